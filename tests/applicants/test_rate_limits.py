"""Account actions a stranger can repeat are limited per account and per client address, and the client address
is the socket's unless trusted proxies are configured: a made-up X-Forwarded-For changes nothing."""

from __future__ import annotations

import itertools

import pytest
import time_machine
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.settings import api_settings

from applicants.models import User
from core.client_address import client_address
from tests.factories import FREELANCER_FORM, PASSWORD

pytestmark = pytest.mark.django_db

_forged = (f"203.0.113.{n}" for n in itertools.count(1))


def forged_address() -> dict[str, str]:
    """A different made-up client address on every request, as an attacker rotating the header would send."""
    return {"HTTP_X_FORWARDED_FOR": next(_forged)}


@pytest.fixture
def tight_limits(settings, redis_cache):
    settings.ACCOUNT_RATE_PER_ACCOUNT = "3/hour"
    settings.ACCOUNT_RATE_PER_ADDRESS = "5/hour"
    with time_machine.travel(timezone.now(), tick=False):  # one fixed window
        yield


def attempt(client, action: str, email: str, **extra):
    """One try at an account action anyone may repeat."""
    if action == "sign_up":
        return client.post(reverse("applicants:sign_up_freelancer"), {**FREELANCER_FORM, "email": email}, **extra)
    if action == "password_reset":
        return client.post(reverse("applicants:password_reset"), {"email": email}, **extra)
    if action == "resend_confirmation":
        return client.post(reverse("applicants:resend_confirmation"), {"email": email}, **extra)
    return client.post(
        reverse("api:token"), {"email": email, "password": "a-guess"}, content_type="application/json", **extra
    )


ACTIONS = ["sign_up", "password_reset", "resend_confirmation", "token"]


@pytest.mark.parametrize("action", ACTIONS)
def test_rotating_x_forwarded_for_does_not_escape_the_per_address_limit(client, tight_limits, action):
    statuses = [attempt(client, action, f"person{n}@example.pk", **forged_address()).status_code for n in range(6)]
    assert 429 not in statuses[:5]
    refused = attempt(client, action, "someone.else@example.pk", **forged_address())
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    body = refused.json()["detail"] if action == "token" else refused.content.decode()
    assert "Too many attempts. Please wait" in body


@pytest.mark.parametrize("action", ACTIONS)
def test_one_account_is_limited_whichever_address_asks(client, tight_limits, action):
    statuses = [
        attempt(client, action, "Target@Example.pk", REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(4)
    ]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429


def test_a_refused_sign_up_creates_nothing_and_sends_nothing(client, tight_limits, mailoutbox):
    for n in range(5):
        attempt(client, "sign_up", f"person{n}@example.pk")
    before = len(mailoutbox)
    assert attempt(client, "sign_up", "late@example.pk").status_code == 429
    assert not User.objects.filter(email="late@example.pk").exists()
    assert len(mailoutbox) == before


def test_guessing_the_current_password_on_account_changes_is_limited(client, tight_limits, freelancer):
    client.force_login(freelancer)
    form = {"current_password": "guess", "new_password1": "Margalla-77-Hills", "new_password2": "Margalla-77-Hills"}
    statuses = [client.post(reverse("applicants:password_change"), form).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Every change asks for the current password, so they share the allowance: no form is a way round it.
    assert client.post(reverse("applicants:email_change"), {"new_email": "x@example.pk"}).status_code == 429


def test_the_anonymous_api_throttle_ignores_a_rotating_x_forwarded_for(api_client, redis_cache):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "2/minute"}
    with (
        override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}),
        time_machine.travel(timezone.now(), tick=False),
    ):
        statuses = [api_client.get(reverse("api-schema"), **forged_address()).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_sign_in_lockout_ignores_a_rotating_x_forwarded_for(client, settings, freelancer):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(
            reverse("applicants:login"), {"username": freelancer.email, "password": "wrong"}, **forged_address()
        )
    response = client.post(
        reverse("applicants:login"), {"username": freelancer.email, "password": PASSWORD}, **forged_address()
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.9", "203.0.113.5", "192.0.2.9"),  # no proxy trusted: the header is the client's own say
        (1, "10.0.0.2", "203.0.113.5", "203.0.113.5"),  # what our proxy saw
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's made-up part is ignored
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.7", "203.0.113.5"),
        (2, "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # fewer hops than proxies: it bypassed them
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "fe80::1%eth0", "10.0.0.2"),  # a zone id: no address the lockout could store
    ],
)
def test_the_client_address_comes_only_from_trusted_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
