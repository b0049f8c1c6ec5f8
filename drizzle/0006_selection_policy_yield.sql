ALTER TABLE "settings" ALTER COLUMN "selection_policy" SET DEFAULT 'yield';--> statement-breakpoint
UPDATE "settings" SET "selection_policy" = 'yield' WHERE "selection_policy" = 'oldest' AND "id" = 1;
