from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("vpn_records", "0005_bulk_uploads")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
