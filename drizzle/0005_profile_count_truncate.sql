-- TRUNCATE fires no row or statement DML triggers, so it clears the count log itself (tests and benches
-- truncate profiles between runs; without this the counts behind "page N of M" would go stale).
CREATE FUNCTION profiles_count_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM profile_count_deltas;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER profiles_count_truncate AFTER TRUNCATE ON profiles
  FOR EACH STATEMENT EXECUTE FUNCTION profiles_count_after_truncate();
