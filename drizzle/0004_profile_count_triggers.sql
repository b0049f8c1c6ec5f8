-- Profile counts per (niche, status) kept as deltas by statement-level triggers (see profile_count_deltas
-- in src/core/db/schema/profiles.ts). One aggregated row per statement and key, none when nothing moved.
CREATE FUNCTION profiles_count_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO profile_count_deltas (niche_key, status, delta)
  SELECT coalesce(niche_id, 0), status, count(*) FROM new_rows GROUP BY 1, 2;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION profiles_count_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO profile_count_deltas (niche_key, status, delta)
  SELECT coalesce(niche_id, 0), status, -count(*) FROM old_rows GROUP BY 1, 2;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION profiles_count_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO profile_count_deltas (niche_key, status, delta)
  SELECT k, s, sum(d) FROM (
    SELECT coalesce(niche_id, 0) AS k, status AS s, 1 AS d FROM new_rows
    UNION ALL
    SELECT coalesce(niche_id, 0), status, -1 FROM old_rows
  ) x GROUP BY k, s HAVING sum(d) <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER profiles_count_insert AFTER INSERT ON profiles
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_after_insert();
--> statement-breakpoint
CREATE TRIGGER profiles_count_delete AFTER DELETE ON profiles
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_after_delete();
--> statement-breakpoint
CREATE TRIGGER profiles_count_update AFTER UPDATE ON profiles
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_after_update();
--> statement-breakpoint
INSERT INTO profile_count_deltas (niche_key, status, delta)
SELECT coalesce(niche_id, 0), status, count(*) FROM profiles GROUP BY 1, 2;
