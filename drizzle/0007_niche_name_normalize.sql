-- Niche names are stored as the app now writes them: NFC, any run of Unicode spaces as one space,
-- trimmed (src/core/niches.ts normalizeNicheName). A name whose normalised form another niche already
-- has keeps its stored form (lookups fall back to it), so this never fails on a collision.
DO $$
BEGIN
  IF current_setting('server_encoding') = 'UTF8' THEN
    UPDATE niches n
    SET name = v.normalized
    FROM (
      SELECT id, btrim(regexp_replace(normalize(name, NFC), E'[ \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+', ' ', 'g')) AS normalized
      FROM niches
    ) v
    WHERE v.id = n.id
      AND v.normalized <> n.name
      AND v.normalized <> ''
      AND NOT EXISTS (SELECT 1 FROM niches m WHERE m.id <> n.id AND lower(m.name) = lower(v.normalized));
  END IF;
END $$;
