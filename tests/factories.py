from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group
from django.utils import timezone

from applicants.models import Applicant, User
from applicants.tokens import operator_account_create, token_issue
from core.networks import parse_network
from core.roles import sync_role_groups
from vpn_records import services
from vpn_records.models import Purpose
from vpn_records.msisdn import MobileNumber, normalise_msisdn, operator_of

PASSWORD = "Correct-Horse-Battery-42"
# A freelancer's complete sign-up form.
FREELANCER_FORM = {
    "email": "Sara@Example.pk",
    "password1": "Lahore-Breeze-2026",
    "password2": "Lahore-Breeze-2026",
    "language": "en",
    "full_name": "Sara Malik",
    "cnic": "35202-7654321-1",
    "mobile": "0300 7654321",
    "city": "Lahore",
    "pseb_number": "",
}


def make_user(*, email: str, applicant: Applicant | None, **fields) -> User:
    fields.setdefault("email_confirmed_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, applicant=applicant, **fields)


def make_staff(*, email: str, role: str) -> User:
    """Regulator staff in one of the role groups the migrations create."""
    if not Group.objects.filter(name=role).exists():  # flushed by an earlier transactional test
        sync_role_groups(apps)
    user = make_user(email=email, applicant=None, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def make_freelancer(*, email: str, cnic: str = "3520212345673", full_name: str = "Ayesha Khan") -> User:
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.FREELANCER, full_name=full_name, cnic=cnic, mobile="+923001234567", city="Lahore"
    )
    return make_user(email=email, applicant=applicant, full_name=full_name)


def make_company_user(*, email: str) -> User:
    applicant = Applicant.objects.create(
        kind=Applicant.Kind.COMPANY,
        legal_name="Indus Code (Private) Limited",
        ntn="1234567-8",
        secp_number="0123456",
        address="Islamabad",
        authorised_person_name="Bilal Ahmed",
        authorised_person_cnic="6110112345671",
        mobile="+923211234567",
        city="Islamabad",
    )
    return make_user(email=email, applicant=applicant, full_name="Bilal Ahmed")


def token_for(user: User, **fields) -> str:
    """A new API token's key, scoped by the kind of account."""
    return token_issue(user=user, name="test", **fields)[1]


def make_operator(*, email: str = "noc@isp.example", organisation: str = "Example ISP") -> User:
    return operator_account_create(email=email, organisation=organisation)


def make_registration(*, user: User, networks=("111.68.96.10",), numbers=(), submit: bool = False):
    """A registration of `networks` and mobile `numbers` (each on the operator its prefix names)."""
    fields = {
        "user": user,
        "purpose": Purpose.FREELANCING,
        "purpose_detail": "Client work for a software house in Germany.",
        "isp": "ptcl",
        "vpn_type": "wireguard",
        "networks": [parse_network(n) for n in networks],
        "numbers": [MobileNumber(m, operator_of(m) or "") for m in map(normalise_msisdn, numbers)],
    }
    if submit:
        return services.registration_create_and_submit(**fields)
    return services.registration_create(**fields)


def urdu_digits(text: str) -> str:
    """`text` as an Urdu keyboard types it: its digits Extended Arabic-Indic (39.32 as ۳۹.۳۲)."""
    return text.translate({ord("0") + digit: 0x06F0 + digit for digit in range(10)})


def arabic_digits(text: str) -> str:
    """`text` as an Arabic keyboard types it: its digits Arabic-Indic (39.32 as ٣٩.٣٢)."""
    return text.translate({ord("0") + digit: 0x0660 + digit for digit in range(10)})
