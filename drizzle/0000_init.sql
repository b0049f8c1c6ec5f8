CREATE TYPE "public"."batch_status" AS ENUM('pending', 'in_progress', 'completed', 'cancelled', 'failed');--> statement-breakpoint
CREATE TYPE "public"."batch_trigger" AS ENUM('manual', 'auto');--> statement-breakpoint
CREATE TYPE "public"."chat_platform" AS ENUM('telegram', 'discord');--> statement-breakpoint
CREATE TYPE "public"."profile_status" AS ENUM('active', 'deleted');--> statement-breakpoint
CREATE TABLE "batch_items" (
	"batch_id" bigint NOT NULL,
	"username" text NOT NULL,
	"outcome" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"checked_at" timestamp with time zone,
	CONSTRAINT "batch_items_batch_id_username_pk" PRIMARY KEY("batch_id","username")
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"niche_id" integer,
	"niche_name" text NOT NULL,
	"trigger" "batch_trigger" NOT NULL,
	"policy" text DEFAULT 'oldest' NOT NULL,
	"requested" integer NOT NULL,
	"status" "batch_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"checked" integer DEFAULT 0 NOT NULL,
	"stories" integer DEFAULT 0 NOT NULL,
	"not_found" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"private" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"failure_reason" text,
	"origin" jsonb,
	CONSTRAINT "batches_requested_positive" CHECK ("batches"."requested" > 0)
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" serial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"target_id" integer,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "delivery_targets" (
	"id" serial PRIMARY KEY NOT NULL,
	"platform" "chat_platform" NOT NULL,
	"chat_id" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"last_digest_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"niche_id" integer,
	"batch_id" bigint,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"story_taken_at" timestamp with time zone,
	"story_expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"level" text DEFAULT 'info' NOT NULL,
	"message" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "niches" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"daily_target" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "niches_daily_target_range" CHECK ("niches"."daily_target" between 0 and 800),
	CONSTRAINT "niches_name_length" CHECK (char_length("niches"."name") between 1 and 50)
);
--> statement-breakpoint
CREATE TABLE "profiles" (
	"username" text PRIMARY KEY NOT NULL,
	"niche_id" integer,
	"status" "profile_status" DEFAULT 'active' NOT NULL,
	"ig_user_id" text,
	"last_checked_at" timestamp with time zone,
	"last_detected_at" timestamp with time zone,
	"total_checks" integer DEFAULT 0 NOT NULL,
	"total_detected" integer DEFAULT 0 NOT NULL,
	"not_found_strikes" integer DEFAULT 0 NOT NULL,
	"last_not_found_at" timestamp with time zone,
	"last_not_found_proxy_id" integer,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profiles_username_format" CHECK ("profiles"."username" ~ '^[a-z0-9._]{1,30}$')
);
--> statement-breakpoint
CREATE TABLE "proxies" (
	"id" serial PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"username" text,
	"password_enc" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"health" text DEFAULT 'unknown' NOT NULL,
	"cooling_until" timestamp with time zone,
	"cooldown_level" integer DEFAULT 0 NOT NULL,
	"successes" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"failures_by_outcome" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recent_latencies_ms" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_error" text,
	"last_used_at" timestamp with time zone,
	"last_tested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ig_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"ds_user_id" text NOT NULL,
	"cookies_enc" text NOT NULL,
	"proxy_id" integer,
	"status" text DEFAULT 'active' NOT NULL,
	"disabled_reason" text,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ig_sessions_ds_user_id_unique" UNIQUE("ds_user_id")
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"profiles_per_minute" integer DEFAULT 60 NOT NULL,
	"threads" integer DEFAULT 3 NOT NULL,
	"selection_policy" text DEFAULT 'oldest' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settings_single_row" CHECK ("settings"."id" = 1),
	CONSTRAINT "settings_rate_range" CHECK ("settings"."profiles_per_minute" between 1 and 600),
	CONSTRAINT "settings_threads_range" CHECK ("settings"."threads" between 1 and 20)
);
--> statement-breakpoint
ALTER TABLE "batch_items" ADD CONSTRAINT "batch_items_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_niche_id_niches_id_fk" FOREIGN KEY ("niche_id") REFERENCES "public"."niches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_target_id_delivery_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."delivery_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detections" ADD CONSTRAINT "detections_username_profiles_username_fk" FOREIGN KEY ("username") REFERENCES "public"."profiles"("username") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "detections" ADD CONSTRAINT "detections_niche_id_niches_id_fk" FOREIGN KEY ("niche_id") REFERENCES "public"."niches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detections" ADD CONSTRAINT "detections_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_niche_id_niches_id_fk" FOREIGN KEY ("niche_id") REFERENCES "public"."niches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ig_sessions" ADD CONSTRAINT "ig_sessions_proxy_id_proxies_id_fk" FOREIGN KEY ("proxy_id") REFERENCES "public"."proxies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_items_pending_idx" ON "batch_items" USING btree ("batch_id") WHERE "batch_items"."outcome" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "batches_one_active_per_niche_uq" ON "batches" USING btree ("niche_id") WHERE "batches"."status" in ('pending', 'in_progress');--> statement-breakpoint
CREATE INDEX "batches_niche_created_idx" ON "batches" USING btree ("niche_id","created_at");--> statement-breakpoint
CREATE INDEX "batches_status_idx" ON "batches" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_dedupe_uq" ON "deliveries" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_targets_chat_uq" ON "delivery_targets" USING btree ("platform","chat_id");--> statement-breakpoint
CREATE INDEX "detections_detected_at_idx" ON "detections" USING btree ("detected_at");--> statement-breakpoint
CREATE INDEX "detections_niche_detected_idx" ON "detections" USING btree ("niche_id","detected_at");--> statement-breakpoint
CREATE UNIQUE INDEX "detections_batch_username_uq" ON "detections" USING btree ("batch_id","username");--> statement-breakpoint
CREATE INDEX "events_kind_at_idx" ON "events" USING btree ("kind","at");--> statement-breakpoint
CREATE INDEX "events_at_idx" ON "events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "niches_name_lower_uq" ON "niches" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "profiles_next_check_idx" ON "profiles" USING btree ("niche_id","last_checked_at" NULLS FIRST,"username") WHERE "profiles"."status" = 'active';--> statement-breakpoint
CREATE INDEX "profiles_niche_username_idx" ON "profiles" USING btree ("niche_id","status","username");--> statement-breakpoint
CREATE UNIQUE INDEX "proxies_identity_uq" ON "proxies" USING btree ("host","port",coalesce("username", ''));--> statement-breakpoint
INSERT INTO "settings" ("id") VALUES (1) ON CONFLICT DO NOTHING;
