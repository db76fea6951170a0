"""Demo accounts for the quick start. The command that calls this refuses to run outside DEBUG."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.roles import sync_role_groups

from .models import Applicant, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published on purpose; only ever seeded with DEBUG on


def _user(email: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed_demo_data() -> list[tuple[str, str]]:
    """Create (or keep) the demo accounts; returns (email, role) pairs."""
    confirmed = {"email_confirmed_at": timezone.now(), "is_active": True}
    freelancer = Applicant.objects.filter(members__email="freelancer@demo.pk").first() or Applicant.objects.create(
        kind=Applicant.Kind.FREELANCER,
        full_name="Ayesha Khan",
        cnic="3520212345673",
        mobile="+923001234567",
        city="Lahore",
        pseb_number="PSEB-F-2024-0042",
    )
    _user("freelancer@demo.pk", full_name="Ayesha Khan", applicant=freelancer, **confirmed)
    company = Applicant.objects.filter(members__email="company@demo.pk").first() or Applicant.objects.create(
        kind=Applicant.Kind.COMPANY,
        legal_name="Indus Code (Private) Limited",
        ntn="1234567-8",
        secp_number="0123456",
        address="Plot 12, Software Technology Park, Islamabad",
        authorised_person_name="Bilal Ahmed",
        authorised_person_cnic="6110112345671",
        mobile="+923211234567",
        city="Islamabad",
    )
    _user("company@demo.pk", full_name="Bilal Ahmed", applicant=company, **confirmed)
    sync_role_groups(django_apps)  # a flushed test database has lost what the migration made
    for role in ("reviewer", "supervisor"):
        user = _user(f"{role}@demo.pk", full_name=f"Demo {role}", is_staff=True, **confirmed)
        user.groups.add(Group.objects.get(name=role))
    for email, name, network in (("isp@demo.pk", "Demo ISP NOC", ""), ("jazz@demo.pk", "Demo Jazz NOC", "jazz")):
        operator, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "is_operator": True, "mobile_operator": network, **confirmed}
        )
        if created:
            operator.set_unusable_password()
            operator.save()
    return [
        ("freelancer@demo.pk", "freelancer"),
        ("company@demo.pk", "company"),
        ("reviewer@demo.pk", "staff reviewer"),
        ("supervisor@demo.pk", "staff supervisor"),
        ("isp@demo.pk", "operator: no password, the API token below"),
        ("jazz@demo.pk", "mobile operator (Jazz): no password, the API token below"),
    ]
