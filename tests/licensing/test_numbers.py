"""Licence numbers: two grants racing get the next two numbers, with no gap and no repeat."""

from __future__ import annotations

from functools import partial

import pytest
from django.utils import timezone

from licensing import services
from licensing.models import LicenceApplication
from tests.factories import make_staff
from tests.vpn_records.test_one_holder import company, race

pytestmark = pytest.mark.django_db(transaction=True)
REPEATS = 3


def recommended(email: str, cnic: str, gateway: str, reviewer) -> LicenceApplication:
    user = company(email, cnic)
    application = LicenceApplication.objects.create(
        applicant=user.applicant, created_by=user, trade_name=email, scope="nationwide", clientele="public",
        data_centres=["Islamabad"], gateways=[gateway], technical_contact_name="Hina Qureshi",
        technical_contact_email="noc@example.pk", technical_contact_mobile="+923337654321", fee_reference="CH-1",
        fee=300000, status="submitted",
    )  # fmt: skip
    return services.licence_recommend(application=application, actor=reviewer)


def test_racing_grants_take_consecutive_numbers():
    reviewer = make_staff(email="reviewer@pta.example", role="reviewer")
    supervisors = [make_staff(email=f"supervisor{n}@pta.example", role="supervisor") for n in range(2)]
    year = timezone.localdate().year
    for attempt in range(REPEATS):
        first = recommended(f"a{attempt}@one.pk", "6110112345671", f"111.68.{attempt}.0/28", reviewer)
        second = recommended(f"b{attempt}@two.pk", "6110112345672", f"39.40.{attempt}.0/28", reviewer)
        answers = race(
            partial(services.licence_grant, application=first, actor=supervisors[0]),
            partial(services.licence_grant, application=second, actor=supervisors[1]),
        )
        assert all(isinstance(answer, LicenceApplication) for answer in answers), answers
        numbers = sorted(LicenceApplication.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "licence_number", flat=True
        ))  # fmt: skip
        assert numbers == [f"PTA-VPN-CL-{year}-{2 * attempt + 1:04d}", f"PTA-VPN-CL-{year}-{2 * attempt + 2:04d}"]
