from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vpn_records", "0012_whitelist_version_trigger"),
    ]

    # The models moved to bulk_uploads (its 0001) and keep their tables: only Django's state changes here.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="bulkuploadrow", name="upload"),
                migrations.DeleteModel(name="BulkUpload"),
                migrations.DeleteModel(name="BulkUploadRow"),
            ],
            database_operations=[],
        ),
    ]
