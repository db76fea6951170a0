from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from applicants.models import User
from applicants.tokens import token_issue, tokens_revoke_all


class Command(BaseCommand):
    help = "Create the demo accounts of the quick start (DEBUG only) and print their logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo runs only with DEBUG=1: it creates accounts whose password is published.")
        accounts = seed_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD}):"))
        for email, role in accounts:
            self.stdout.write(f"  {email:<22} {role}")
        feeds = (("isp@demo.pk", "/api/v1/whitelist/"), ("jazz@demo.pk", "/api/v1/mobile-whitelist/"))
        for email, feed in feeds:
            operator = User.objects.get(email=email)
            with transaction.atomic():  # only the key printed last works: the keys of earlier runs are not kept
                tokens_revoke_all(user=operator, actor=operator)
                _token, key = token_issue(user=operator, name="demo")
            self.stdout.write(f"{email} API token (new each run; the previous one is revoked), for {feed}: {key}")
