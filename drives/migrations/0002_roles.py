from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("drives", "0001_initial"),
    ]

    operations = [
        # Every role sees the window and its history; supervisors change it.
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
