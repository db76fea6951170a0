import bulk_uploads.models
import core.fields
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from core.roles import sync_role_groups


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("bulkupload", "bulkuploadrow"):
        if not content_type.objects.filter(app_label="bulk_uploads", model=model).exists():
            content_type.objects.filter(app_label="vpn_records", model=model).update(app_label="bulk_uploads")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applicants', '0003_api_tokens'),
        ('vpn_records', '0013_bulk_uploads_moved'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist since vpn_records 0005 (named in Meta.db_table); this takes over their state and their
    # content types, so permissions granted on them (staff roles) carry over.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BulkUpload',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='upload ID')),
                        ('file', models.FileField(upload_to=bulk_uploads.models.bulk_upload_path, verbose_name='file')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('file_format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'XLSX')], max_length=4, verbose_name='format')),
                        ('file_size', models.PositiveBigIntegerField(verbose_name='size in bytes')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('purpose', models.CharField(choices=[('it_export', 'IT / software export'), ('freelancing', 'Freelancing'), ('call_centre', 'Call centre'), ('banking', 'Banking / financial'), ('research', 'Academic research'), ('embassy', 'Embassy / foreign mission'), ('ngo', 'NGO'), ('other', 'Other')], max_length=20, verbose_name='purpose')),
                        ('purpose_detail', models.TextField(max_length=2000, verbose_name='purpose in your own words')),
                        ('isp', models.CharField(choices=[('ptcl', 'PTCL'), ('nayatel', 'Nayatel'), ('stormfiber', 'StormFiber (Cybernet)'), ('transworld', 'Transworld'), ('wateen', 'Wateen'), ('worldcall', 'Worldcall'), ('multinet', 'Multinet'), ('fiberlink', 'Fiberlink'), ('jazz', 'Jazz'), ('zong', 'Zong'), ('telenor', 'Telenor'), ('ufone', 'Ufone'), ('other', 'Other')], max_length=20, verbose_name='internet service provider')),
                        ('isp_other', models.CharField(blank=True, max_length=100, verbose_name='other ISP')),
                        ('vpn_type', models.CharField(choices=[('ipsec', 'IPsec'), ('ssl_tls', 'SSL/TLS'), ('openvpn', 'OpenVPN'), ('wireguard', 'WireGuard'), ('other', 'Other')], max_length=20, verbose_name='VPN type')),
                        ('all_or_nothing', models.BooleanField(default=False, help_text='Register nothing if any row has an error.', verbose_name='all or nothing')),
                        ('state', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Processing'), ('completed', 'Finished'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=10, verbose_name='state')),
                        ('total_rows', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows')),
                        ('processed_rows', models.PositiveIntegerField(default=0, verbose_name='rows processed')),
                        ('accepted_rows', models.PositiveIntegerField(default=0, verbose_name='rows accepted')),
                        ('rejected_rows', models.PositiveIntegerField(default=0, verbose_name='rows rejected')),
                        ('warning_rows', models.PositiveIntegerField(default=0, verbose_name='rows accepted with warnings')),
                        ('failure', models.JSONField(blank=True, default=dict, verbose_name='failure')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last progress')),
                        ('applicant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bulk_uploads', to='applicants.applicant', verbose_name='applicant')),
                        ('registration', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='bulk_upload', to='vpn_records.registration', verbose_name='registration')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'verbose_name': 'bulk upload',
                        'verbose_name_plural': 'bulk uploads',
                        'db_table': 'vpn_records_bulkupload',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='BulkUploadRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('row_number', models.PositiveIntegerField(verbose_name='row')),
                        ('network', core.fields.CidrField(blank=True, null=True, verbose_name='address or network')),
                        ('site', models.CharField(blank=True, max_length=200, verbose_name='site')),
                        ('vpn_type', models.CharField(blank=True, max_length=20, verbose_name='VPN type')),
                        ('notes', models.CharField(blank=True, max_length=500, verbose_name='notes')),
                        ('findings', models.JSONField(blank=True, default=list, verbose_name='verification findings')),
                        ('errors', models.JSONField(blank=True, default=list, verbose_name='errors')),
                        ('accepted', models.BooleanField(verbose_name='accepted')),
                        ('upload', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='bulk_uploads.bulkupload')),
                    ],
                    options={
                        'verbose_name': 'bulk upload row',
                        'verbose_name_plural': 'bulk upload rows',
                        'db_table': 'vpn_records_bulkuploadrow',
                        'ordering': ['upload', 'row_number'],
                    },
                ),
                migrations.AddIndex(
                    model_name='bulkupload',
                    index=models.Index(fields=['applicant', '-created_at'], name='bulk_upload_applicant_recent'),
                ),
                migrations.AddIndex(
                    model_name='bulkupload',
                    index=models.Index(fields=['state', 'heartbeat_at'], name='bulk_upload_state_heartbeat'),
                ),
                migrations.AddConstraint(
                    model_name='bulkupload',
                    constraint=models.CheckConstraint(condition=models.Q(('state__in', ['queued', 'running', 'completed', 'failed', 'cancelled'])), name='bulk_upload_state_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bulkupload',
                    constraint=models.CheckConstraint(condition=models.Q(('purpose__in', ['it_export', 'freelancing', 'call_centre', 'banking', 'research', 'embassy', 'ngo', 'other'])), name='bulk_upload_purpose_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bulkupload',
                    constraint=models.CheckConstraint(condition=models.Q(('isp__in', ['ptcl', 'nayatel', 'stormfiber', 'transworld', 'wateen', 'worldcall', 'multinet', 'fiberlink', 'jazz', 'zong', 'telenor', 'ufone', 'other'])), name='bulk_upload_isp_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bulkupload',
                    constraint=models.CheckConstraint(condition=models.Q(('vpn_type__in', ['ipsec', 'ssl_tls', 'openvpn', 'wireguard', 'other'])), name='bulk_upload_vpn_type_valid'),
                ),
                migrations.AddConstraint(
                    model_name='bulkupload',
                    constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['queued', 'running'])), fields=('applicant',), name='bulk_upload_one_active_per_applicant'),
                ),
                migrations.AddConstraint(
                    model_name='bulkuploadrow',
                    constraint=models.UniqueConstraint(fields=('upload', 'row_number'), name='bulk_row_unique_number'),
                ),
    
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
