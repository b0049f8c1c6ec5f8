CREATE TABLE "profile_count_deltas" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"niche_key" integer NOT NULL,
	"status" "profile_status" NOT NULL,
	"delta" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "profile_count_deltas_key_idx" ON "profile_count_deltas" USING btree ("niche_key","status");--> statement-breakpoint
CREATE INDEX "profiles_status_username_idx" ON "profiles" USING btree ("status","username");