"""Whatever a client sends, and whatever state the database is in, the answer is clear: never a crash page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from applicants.models import ApiToken, Applicant, User
from applicants.services import unconfirmed_applicants_remove
from core.bidi import isolate
from core.networks import NetworkError, parse_network
from tests.factories import PASSWORD, make_freelancer, make_registration
from vpn_records.checks import finding_message
from vpn_records.verification import duplicate_cnic_applicants

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_is_a_400_in_the_api_format(freelancer_api):
    body = "[" * 5000 + "]" * 5000
    response = freelancer_api.post("/api/v1/registrations/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_deep"


def test_a_body_over_the_limit_is_a_413_in_json_naming_the_limit(freelancer_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = '{"purpose": "' + "x" * 200_000 + '"}'
    response = freelancer_api.post("/api/v1/registrations/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "0.1 MB" in response.json()["detail"]


def test_the_database_away_is_a_503_with_retry_after_in_json_and_on_the_web(client, freelancer_api, monkeypatch):
    from vpn_records import selectors

    def away(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "registration_list_for_user", away)
    client.raise_request_exception = False
    freelancer_api.raise_request_exception = False
    api = freelancer_api.get("/api/v1/registrations/")
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert api.json()["errors"][0]["code"] == "unavailable"
    client.force_login(User.objects.get(email="ayesha@example.pk"))
    page = client.get(reverse("vpn_records:dashboard"))
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "try again in a minute" in page.content.decode()


def test_an_address_with_leading_zeros_is_refused_showing_the_address_meant():
    with pytest.raises(NetworkError) as refused:
        parse_network("010.001.002.003")
    assert refused.value.code == "leading_zeros"
    assert "octal" in refused.value.message and "10.1.2.3" in refused.value.message


def squatter(cnic: str) -> User:
    """Someone who signed up with another person's CNIC and never confirmed an email address."""
    user = make_freelancer(email="squatter@example.pk", cnic=cnic, full_name="Not Ayesha")
    User.objects.filter(pk=user.pk).update(email_confirmed_at=None, is_active=False)
    return user


def verified(user, on_commit):
    with on_commit(execute=True):  # verification runs on commit, as in a worker
        registration = make_registration(user=user, networks=["111.68.96.10"], submit=True)
    registration.refresh_from_db()
    assert registration.status == "under_review"  # never held back for another account's CNIC
    return registration


def test_an_unconfirmed_account_with_my_cnic_affects_nothing_of_mine(freelancer, django_capture_on_commit_callbacks):
    squatter(freelancer.applicant.cnic)
    assert duplicate_cnic_applicants(applicant=freelancer.applicant) == []
    registration = verified(freelancer, django_capture_on_commit_callbacks)
    assert registration.verification_outcome == "warn"  # the allocation is unknown: nothing about identity
    assert [f["code"] for f in registration.identity_findings] == []


def test_a_confirmed_duplicate_cnic_is_for_staff_only_and_never_shown_to_the_applicant(
    client, freelancer, django_capture_on_commit_callbacks
):
    make_freelancer(email="twin@example.pk", cnic=freelancer.applicant.cnic, full_name="Second Account")
    registration = verified(freelancer, django_capture_on_commit_callbacks)
    shared = next(f for f in registration.identity_findings if f["code"] == "cnic_shared")
    assert shared["staff_only"] and "Second Account" in finding_message(shared, staff=True)
    client.force_login(freelancer)
    page = client.get(registration.get_absolute_url()).content.decode()
    assert "another applicant account" not in page and "Second Account" not in page


def test_unconfirmed_applicants_are_removed_after_the_configured_days(freelancer):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        old = squatter("4210112345671")
    recent = make_freelancer(email="recent@example.pk", cnic="4210112345682")
    User.objects.filter(pk=recent.pk).update(email_confirmed_at=None, is_active=False)
    assert unconfirmed_applicants_remove(older_than=timedelta(days=7)) == 1
    assert not User.objects.filter(pk=old.pk).exists()
    assert not Applicant.objects.filter(pk=old.applicant_id).exists()
    assert User.objects.filter(pk__in=[recent.pk, freelancer.pk]).count() == 2


def test_a_locked_out_token_request_says_until_when_not_wrong_password(api_client, settings, freelancer):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        api_client.post("/api/v1/auth/token/", {"email": freelancer.email, "password": "wrong"}, format="json")
    response = api_client.post("/api/v1/auth/token/", {"email": freelancer.email, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    assert f"locked until {isolate(f'{until:%H:%M}')} Pakistan time" in response.json()["detail"]
    assert "not right" not in response.json()["detail"]


def test_the_web_lockout_page_says_for_how_long(client, settings, freelancer):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("applicants:login"), {"username": freelancer.email, "password": "wrong"})
    page = client.post(reverse("applicants:login"), {"username": freelancer.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "locked for 30 minutes, until" in page.content.decode()


def test_the_quick_start_seed_leaves_one_live_operator_token(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    operator = User.objects.get(email="isp@demo.pk")
    assert ApiToken.objects.filter(user=operator, revoked_at__isnull=True).count() == 1
    assert ApiToken.objects.filter(user=operator).count() == 2
