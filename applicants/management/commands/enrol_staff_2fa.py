import io
import secrets

import segno
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from applicants.models import User


class Command(BaseCommand):
    help = "Give a staff account its authenticator (TOTP) secret and ten one-use backup codes."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reset", action="store_true", help="replace the existing authenticator and codes")

    def handle(self, *args, email: str, reset: bool, **options):
        user = User.objects.filter(email__iexact=email, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff account has the email {email}.")
        if TOTPDevice.objects.filter(user=user).exists() and not reset:
            raise CommandError(f"{email} already has an authenticator; pass --reset to replace it.")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        codes = [secrets.token_hex(4) for _ in range(10)]
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)

        self.stdout.write(f"Scan with an authenticator app, or enter this URL:\n{device.config_url}\n")
        qr = io.StringIO()
        segno.make(device.config_url).terminal(out=qr, compact=True)
        self.stdout.write(qr.getvalue())
        self.stdout.write("\nBackup codes, each good once; keep them offline:\n  " + "\n  ".join(codes))
