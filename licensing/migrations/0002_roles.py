from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0001_initial"),
    ]

    operations = [
        # Reviewers recommend, supervisors grant, refuse, suspend and revoke; every role reads applications.
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
