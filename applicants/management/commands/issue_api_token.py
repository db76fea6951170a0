from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applicants.models import MobileOperator, User
from applicants.tokens import operator_account_create, token_issue
from core.errors import PortalError


class Command(BaseCommand):
    help = (
        "Issue an API token to an existing account (by email), or to an operator account created if missing "
        "(--operator). Prints the key on the last line; it is not stored and cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--operator", action="store_true", help="an ISP or firewall team's account")
        parser.add_argument("--organisation", default="", help="the operator's name, for a new operator account")
        parser.add_argument(
            "--mobile-operator",
            default="",
            choices=["", *MobileOperator.values],
            help="a mobile network's operator account: it reads the approved numbers on that network",
        )
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--days", type=int, default=365, help="days until it expires (0: never)")

    def handle(
        self,
        *args,
        email: str,
        operator: bool,
        organisation: str,
        mobile_operator: str,
        name: str,
        days: int,
        **options,
    ):
        if mobile_operator and not operator:
            raise CommandError("--mobile-operator is for operator accounts: pass --operator too.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None and not operator:
            raise CommandError(f"No account has the email {email}; pass --operator to create an operator account.")
        if user is None:
            if not organisation:
                raise CommandError("A new operator account needs --organisation.")
            user = operator_account_create(email=email, organisation=organisation, mobile_operator=mobile_operator)
            self.stderr.write(f"Created operator account {email}.")
        elif operator and not user.is_operator:
            raise CommandError(f"{email} is not an operator account.")
        elif mobile_operator and user.mobile_operator != mobile_operator:
            raise CommandError(f"{email} is not {mobile_operator}'s account: it is {user.mobile_operator or 'an ISP'}.")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            token, key = token_issue(user=user, name=name, expires_at=expires_at)
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Token {token.prefix}… ({token.scope}) for {email}; copy it now, it is not kept:")
        self.stdout.write(key)
