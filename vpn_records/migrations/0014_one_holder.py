"""One network, one holder: at most one applicant holds an active entry (submitted through approved) overlapping
any network, however the entry is written.

Every transaction that makes entries active takes one advisory lock, held until it ends, and then checks them
against the active entries of other applicants: so two writers cannot both pass the check. The services take the
lock first and check for themselves, to answer with a clear message; these triggers are the guarantee behind
them, for any writer. A violation is an `exclusion_violation` naming `entry_one_holder`.
"""

from django.db import migrations

ACTIVE = "('submitted', 'verifying', 'under_review', 'approved')"
SMALL = "((family(e.network) = 4 AND masklen(e.network) >= 24) OR (family(e.network) = 6 AND masklen(e.network) >= 48))"
HOLDER_LOCK = 7268001  # vpn_records.holders.HOLDER_LOCK

FORWARD = f"""
-- Which of `probes` overlap an active entry of an applicant other than `applicant`: that entry's reference and
-- network.
-- Small entries are found through the btree over their key's start, large ones through their partial GiST.
CREATE FUNCTION ipentry_held_by_others(probes cidr[], applicant bigint)
RETURNS TABLE (probe cidr, reference varchar, network cidr) LANGUAGE sql STABLE AS $$
  WITH p AS MATERIALIZED (
    SELECT net, cidr_key_range(net) AS key,
           lower(cidr_key_range(net)) - CASE family(net) WHEN 4 THEN 255 ELSE 32767 END AS reach
      FROM unnest(probes) AS probe(net))
  SELECT p.net, r.reference, e.network
    FROM p CROSS JOIN LATERAL (
           SELECT e.registration_id, e.network FROM vpn_records_ipentry e
            WHERE lower(cidr_key_range(e.network)) >= p.reach AND lower(cidr_key_range(e.network)) < upper(p.key)
              AND e.network && p.net AND e.status IN {ACTIVE}
           UNION ALL
           SELECT e.registration_id, e.network FROM vpn_records_ipentry e
            WHERE cidr_key_range(e.network) && p.key AND NOT {SMALL} AND e.network && p.net
              AND e.status IN {ACTIVE}) e
    JOIN vpn_records_registration r ON r.id = e.registration_id
   WHERE r.applicant_id <> applicant
$$;

-- Inserted entries, checked as a set: a bulk upload inserts 100,000 at once.
CREATE FUNCTION ipentry_one_holder_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  clash record;
BEGIN
  PERFORM 1 FROM new_rows WHERE status IN {ACTIVE} LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock({HOLDER_LOCK});
  SELECT h.probe, h.reference INTO clash
    FROM (SELECT r.applicant_id, array_agg(n.network) AS networks
            FROM new_rows n JOIN vpn_records_registration r ON r.id = n.registration_id
           WHERE n.status IN {ACTIVE} GROUP BY r.applicant_id) mine
    CROSS JOIN LATERAL ipentry_held_by_others(mine.networks, mine.applicant_id) h
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'network % is held by another applicant (%)', clash.probe, clash.reference
      USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'entry_one_holder';
  END IF;
  RETURN NULL;
END
$$;

-- An entry made active (submitted, or approved over a failed check), or given a new network while active.
CREATE FUNCTION ipentry_one_holder_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  clash record;
BEGIN
  PERFORM pg_advisory_xact_lock({HOLDER_LOCK});
  SELECT h.probe, h.reference INTO clash
    FROM vpn_records_registration r
    CROSS JOIN LATERAL ipentry_held_by_others(ARRAY[NEW.network], r.applicant_id) h
   WHERE r.id = NEW.registration_id
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'network % is held by another applicant (%)', clash.probe, clash.reference
      USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'entry_one_holder';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER ipentry_one_holder_insert AFTER INSERT ON vpn_records_ipentry
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ipentry_one_holder_inserted();
CREATE TRIGGER ipentry_one_holder_update AFTER UPDATE OF status, network, registration_id ON vpn_records_ipentry
  FOR EACH ROW WHEN (NEW.status IN {ACTIVE} AND (
    OLD.status NOT IN {ACTIVE} OR OLD.network IS DISTINCT FROM NEW.network
    OR OLD.registration_id IS DISTINCT FROM NEW.registration_id))
  EXECUTE FUNCTION ipentry_one_holder_updated();
"""

BACKWARD = """
DROP TRIGGER ipentry_one_holder_update ON vpn_records_ipentry;
DROP TRIGGER ipentry_one_holder_insert ON vpn_records_ipentry;
DROP FUNCTION ipentry_one_holder_updated();
DROP FUNCTION ipentry_one_holder_inserted();
DROP FUNCTION ipentry_held_by_others(cidr[], bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("vpn_records", "0013_bulk_uploads_moved")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
