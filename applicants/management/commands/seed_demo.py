from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from applicants.models import User
from applicants.tokens import token_issue


class Command(BaseCommand):
    help = "Create the demo accounts of the quick start (DEBUG only) and print their logins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo runs only with DEBUG=1: it creates accounts whose password is published.")
        accounts = seed_demo_data()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {DEMO_PASSWORD}):"))
        for email, role in accounts:
            self.stdout.write(f"  {email:<22} {role}")
        _token, key = token_issue(user=User.objects.get(email="isp@demo.pk"), name="demo")
        self.stdout.write(f"Operator API token (new each run), for /api/v1/whitelist/: {key}")
