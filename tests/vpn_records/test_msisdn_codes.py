"""Proving a mobile number by SMS code: sent through the gateway in the applicant's language, ten minutes, five wrong
tries, a minute before another, limited per number, account and address; the code never in a log or left stored."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Notification
from tests.factories import make_freelancer, token_for
from vpn_records.models import MsisdnProof
from vpn_records.msisdn import normalise_msisdn, operator_of

pytestmark = pytest.mark.django_db
CODES = "/api/v1/msisdn-codes/"
VERIFY = "/api/v1/msisdn-codes/verify/"


@pytest.fixture
def api(freelancer, redis_cache):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
    return client


def send(api, msisdn="0300-1234567", operator="jazz", **extra):
    return api.post(CODES, {"msisdn": msisdn, "operator": operator}, format="json", **extra)


def code_sent(gateway) -> str:
    return re.search(r"\b(\d{6})\b", gateway.accepted[-1]["text"]).group(1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0300-1234567", "+923001234567"), ("+92 300 1234567", "+923001234567"), ("923451234567", "+923451234567")],
)
def test_numbers_are_stored_in_e164_and_their_operator_read_from_the_prefix(typed, stored):
    assert normalise_msisdn(typed) == stored
    assert operator_of(stored) in {"jazz", "telenor"}


@pytest.mark.parametrize("typed", ["051 1234567", "+44 7700 900123", "0300", "call me", ""])
def test_landlines_foreign_and_malformed_numbers_are_refused(api, typed):
    answer = send(api, typed)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "msisdn"


def test_the_code_reaches_the_gateway_in_the_applicants_language_and_proves_the_number(
    api, freelancer, sms_gateway, django_capture_on_commit_callbacks, caplog
):
    freelancer.language = "ur"
    freelancer.save()
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(api)
    assert answer.status_code == 202
    assert answer.json()["msisdn"] == "+923001234567" and answer.json()["operator_matches_prefix"] is True
    assert sms_gateway.accepted[0]["to"] == "+923001234567"
    assert re.search("[\u0600-\u06ff]", sms_gateway.accepted[0]["text"])  # in Urdu
    code = code_sent(sms_gateway)
    proved = api.post(VERIFY, {"msisdn": "+92 300 1234567", "code": code}, format="json")
    assert proved.status_code == 200 and proved.json()["msisdn"] == "+923001234567"
    proof = MsisdnProof.objects.get()
    assert proof.verified_at is not None and code not in proof.code_digest
    assert code not in caplog.text  # never in a log
    assert Notification.objects.get(event="msisdn_code").body_text == ""  # nor left in the outbox
    reused = api.post(VERIFY, {"msisdn": "+923001234567", "code": code}, format="json")
    assert reused.status_code == 400  # one use


def test_five_wrong_codes_lock_it_until_a_new_one(api, sms_gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(api)
    code = code_sent(sms_gateway)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [api.post(VERIFY, {"msisdn": "03001234567", "code": wrong}, format="json") for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert "4 more tries" in answers[0].json()["detail"]
    locked = api.post(VERIFY, {"msisdn": "03001234567", "code": code}, format="json")
    assert locked.json()["errors"][0]["code"] == "code_locked"  # even the right code, now
    assert MsisdnProof.objects.get().verified_at is None


def test_another_code_only_after_a_minute_and_each_expires_after_ten(
    api, sms_gateway, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            send(api)
        soon = send(api)
        assert soon.status_code == 429 and soon["Retry-After"] == "61"
        clock.shift(timedelta(seconds=61))
        with django_capture_on_commit_callbacks(execute=True):
            assert send(api).status_code == 202
        code = code_sent(sms_gateway)
        clock.shift(timedelta(minutes=10, seconds=1))
        late = api.post(VERIFY, {"msisdn": "03001234567", "code": code}, format="json")
        assert late.json()["errors"][0]["code"] == "code_expired"
    assert len(sms_gateway.accepted) == 2


@pytest.mark.parametrize(
    ("setting", "vary"),
    [("MSISDN_CODE_RATE_PER_NUMBER", "account"), ("MSISDN_CODE_RATE_PER_ACCOUNT", "number"),
     ("MSISDN_CODE_RATE_PER_ADDRESS", "both")],
)  # fmt: skip
def test_codes_are_limited_per_number_account_and_address(settings, redis_cache, setting, vary):
    for name in ("MSISDN_CODE_RATE_PER_NUMBER", "MSISDN_CODE_RATE_PER_ACCOUNT", "MSISDN_CODE_RATE_PER_ADDRESS"):
        setattr(settings, name, "100/hour")
    setattr(settings, setting, "2/hour")
    users = [make_freelancer(email=f"f{n}@example.pk", cnic=f"352021234567{n}") for n in range(3)]
    answers = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for attempt in range(3):
            user = users[attempt] if vary in {"account", "both"} else users[0]
            number = f"030012345{attempt:02d}" if vary in {"number", "both"} else "03001234500"
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
            answers.append(send(client, number))
            clock.shift(timedelta(seconds=61))  # past the resend wait: only the limit under test refuses
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2]["Retry-After"]
    assert answers[2].json()["errors"][0]["code"] == "throttled"
