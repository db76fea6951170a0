"""Asking the operator who holds a number, through a real worker: errors and silence are asked again, and a
registration is never lost to an operator that does not answer."""

import pytest
from django.utils import timezone

from tests.workers import wait_for
from vpn_records import services
from vpn_records.models import MsisdnProof, Registration, Status
from vpn_records.msisdn import MobileNumber

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]
NUMBER = "+923001234567"


def submitted(user) -> Registration:
    MsisdnProof.objects.create(applicant=user.applicant, msisdn=NUMBER, operator="jazz", verified_at=timezone.now())
    return services.registration_create_and_submit(
        user=user, purpose="freelancing", purpose_detail="Upwork clients.", isp="jazz", vpn_type="openvpn",
        networks=[], numbers=[MobileNumber(NUMBER, "jazz")],
    )  # fmt: skip


def reached_review(registration: Registration) -> bool:
    return Registration.objects.values_list("status", flat=True).get(pk=registration.pk) == Status.UNDER_REVIEW


def worker_env(sim_operator, retries: int) -> dict[str, str]:
    return {
        "SIM_OWNERSHIP_BACKEND": "vpn_records.sim_ownership.HttpBackend",
        "SIM_OWNERSHIP_URL": sim_operator.url,
        "SIM_OWNERSHIP_TIMEOUT": "0.5",
        "SIM_OWNERSHIP_RETRIES": str(retries),
        "SIM_OWNERSHIP_RETRY_DELAY": "0.2",
    }


def test_errors_and_timeouts_are_asked_again_and_the_answer_after_them_counts(workers, sim_operator, freelancer):
    sim_operator.replies = [(503, {}), (500, {}), (200, {"active": True, "registered_to_cnic": True})]
    workers(**worker_env(sim_operator, retries=4))
    registration = submitted(freelancer)
    wait_for(lambda: reached_review(registration), timeout=30, what="under review")
    assert len(sim_operator.asked) == 3
    assert sim_operator.asked[0] == {"msisdn": NUMBER, "cnic": "3520212345673", "operator": "jazz"}
    assert "sim_confirmed" in [r["code"] for r in registration.entries.get().reasons]


def test_an_operator_that_never_answers_delays_the_registration_and_never_loses_it(workers, sim_operator, freelancer):
    sim_operator.replies = [(503, {})]
    workers(**worker_env(sim_operator, retries=2))
    registration = submitted(freelancer)
    wait_for(lambda: reached_review(registration), timeout=30, what="under review without the operator")
    assert len(sim_operator.asked) >= 3  # the first try and two more (the sweeper may have asked again)
    reasons = registration.entries.get().reasons
    assert "sim_unavailable" in [r["code"] for r in reasons]
