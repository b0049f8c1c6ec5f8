ALTER TABLE "ig_sessions" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ig_sessions" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "instagram" jsonb DEFAULT '{}'::jsonb NOT NULL;