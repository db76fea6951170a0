import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_inbox_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notification',
            name='notification_status_created',
        ),
        migrations.AddField(
            model_name='notification',
            name='dispatched_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='last published'),
        ),
        migrations.RunSQL(
            "UPDATE notifications_notification SET dispatched_at = created_at", migrations.RunSQL.noop
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['status', 'dispatched_at'], name='notification_status_dispatched'),
        ),
    ]
