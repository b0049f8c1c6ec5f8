ALTER TABLE "settings" ADD COLUMN "keep_batches_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "keep_events_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "keep_deliveries_days" integer DEFAULT 14 NOT NULL;--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_keep_batches_range" CHECK ("settings"."keep_batches_days" between 1 and 3650);--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_keep_events_range" CHECK ("settings"."keep_events_days" between 1 and 3650);--> statement-breakpoint
ALTER TABLE "settings" ADD CONSTRAINT "settings_keep_deliveries_range" CHECK ("settings"."keep_deliveries_days" between 1 and 3650);