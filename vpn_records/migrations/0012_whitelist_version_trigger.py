"""Every write that changes what the whitelist publishes moves its version, whoever makes it.

vpn_records.workflow stamps the entries it moves (and the trigger leaves those alone); any other write to an
approved entry's status, network, expiry or registration, or a new approved entry, is stamped here with a new
version, so the feed's ETag changes and every process's copy of the whitelist reads the entry again.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION ipentry_stamp_whitelist_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  stamp text := current_setting('portal.whitelist_stamp', true);
BEGIN
  IF TG_OP = 'UPDATE' AND (
    NEW.whitelist_version IS DISTINCT FROM OLD.whitelist_version
    OR (NEW.status, NEW.network, NEW.valid_until, NEW.registration_id)
       IS NOT DISTINCT FROM (OLD.status, OLD.network, OLD.valid_until, OLD.registration_id)
  ) THEN
    RETURN NEW;
  END IF;
  -- One new version a transaction, however many rows it writes: kept in a setting that ends with it.
  IF stamp IS NULL OR stamp = '' THEN
    INSERT INTO vpn_records_whitelistversion (id, number, changed_at) VALUES (1, 1, now())
    ON CONFLICT (id) DO UPDATE SET number = vpn_records_whitelistversion.number + 1, changed_at = now()
    RETURNING number::text INTO stamp;
    PERFORM set_config('portal.whitelist_stamp', stamp, true);
  END IF;
  NEW.whitelist_version := stamp::bigint;
  RETURN NEW;
END
$$;
-- WHEN keeps the function from running at all for rows that are not on the whitelist: bulk uploads insert
-- hundreds of thousands of entries under review.
CREATE TRIGGER ipentry_whitelist_insert BEFORE INSERT ON vpn_records_ipentry
  FOR EACH ROW WHEN (NEW.status = 'approved') EXECUTE FUNCTION ipentry_stamp_whitelist_change();
CREATE TRIGGER ipentry_whitelist_update BEFORE UPDATE ON vpn_records_ipentry
  FOR EACH ROW WHEN (OLD.status = 'approved' OR NEW.status = 'approved')
  EXECUTE FUNCTION ipentry_stamp_whitelist_change();
"""

BACKWARD = """
DROP TRIGGER ipentry_whitelist_update ON vpn_records_ipentry;
DROP TRIGGER ipentry_whitelist_insert ON vpn_records_ipentry;
DROP FUNCTION ipentry_stamp_whitelist_change();
"""


class Migration(migrations.Migration):
    dependencies = [("vpn_records", "0011_bulk_upload_generated_names")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
