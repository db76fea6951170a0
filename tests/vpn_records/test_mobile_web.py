"""Mobile numbers on the web: typed one per line on the registration form, proved by SMS code on check your
answers, and only then submitted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import urdu_digits
from tests.vpn_records.test_views import FORM
from vpn_records.models import IpEntry, MsisdnProof, Registration, Status

pytestmark = pytest.mark.django_db

NUMBERS_ONLY = {**FORM, "networks": "", "numbers": "0300 1234567\n"}


def entries_of(registration: Registration) -> list[tuple[str, str]]:
    return [(e.display if not e.is_number else e.msisdn, e.operator) for e in registration.entries.order_by("id")]


def draft_with_number(client, user, numbers: str = "0300 1234567") -> Registration:
    client.force_login(user)
    client.post(reverse("vpn_records:new"), {**FORM, "networks": "", "numbers": numbers})
    return Registration.objects.get()


def number_urls(registration: Registration) -> tuple[str, str]:
    entry = registration.entries.get(msisdn__isnull=False)
    args = [registration.reference, entry.pk]
    return reverse("vpn_records:number_code_send", args=args), reverse("vpn_records:number_code_verify", args=args)


def code_sent(gateway) -> str:
    return re.search(r"\b(\d{6})\b", gateway.accepted[-1]["text"]).group(1)


def review_page(client, registration: Registration) -> str:
    return client.get(reverse("vpn_records:review", args=[registration.reference])).content.decode()


def test_a_registration_of_mobile_numbers_only(client, freelancer):
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:new"), {**NUMBERS_ONLY, "numbers": "0300-1234567\n\n0345 7654321"})
    registration = Registration.objects.get()
    assert response.url == reverse("vpn_records:review", args=[registration.reference])
    assert entries_of(registration) == [("+923001234567", "jazz"), ("+923457654321", "telenor")]
    review = review_page(client, registration)
    assert "+923001234567" in review and "(Telenor)" in review


def test_numbers_and_networks_together_and_the_operator_named_after_a_ported_number(client, freelancer):
    client.force_login(freelancer)
    numbers = f"{urdu_digits('03001234567')} Zong\n+92 333 1234567"
    client.post(reverse("vpn_records:new"), {**FORM, "networks": "111.68.96.10", "numbers": numbers})
    registration = Registration.objects.get()
    # Jazz's prefix with Zong named: the applicant's say (verification notes it), not a form error.
    assert entries_of(registration) == [("111.68.96.10", ""), ("+923001234567", "zong"), ("+923331234567", "ufone")]


def test_bad_number_lines_are_named_with_the_reason(client, freelancer):
    client.force_login(freelancer)
    numbers = "0300 1234567\n051 2345678\n+971 50 123 4567\n0300-1234567\n0301 1234567 Warid\n0364 1234567"
    response = client.post(reverse("vpn_records:new"), {**NUMBERS_ONLY, "numbers": numbers})
    page = response.content.decode().replace("\u2068", "").replace("\u2069", "")  # the isolates around typed text
    assert "Line 2: “051 2345678”: This looks like a landline; enter a mobile number that can receive SMS." in page
    assert "Line 3: “+971 50 123 4567”: Enter a Pakistani mobile number (starting 03 or +92 3)." in page
    assert "Line 4: 0300 1234567 is already on line 1." in page
    assert "Line 5: “Warid” is not a mobile operator: write Jazz, Zong, Telenor, Ufone, SCO, Onic." in page
    assert "Line 6: We cannot tell the operator of 0364 1234567 from its prefix" in page
    assert '<a href="#id_numbers">Line 2:' in page  # the error summary links to the numbers
    assert not Registration.objects.exists()


def test_networks_or_numbers_are_needed(client, freelancer):
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:new"), {**FORM, "networks": "", "numbers": " \n"})
    assert "Enter at least one IP address, network or mobile number." in response.content.decode()
    assert not Registration.objects.exists()


def test_editing_shows_the_numbers_and_keeps_them(client, freelancer):
    client.force_login(freelancer)
    client.post(
        reverse("vpn_records:new"), {**FORM, "networks": "111.68.96.10", "numbers": "0300 1234567 zong\n03451234567"}
    )
    registration = Registration.objects.get()
    kept = registration.entries.get(msisdn="+923001234567").pk
    edit = client.get(reverse("vpn_records:edit", args=[registration.reference])).content.decode()
    assert "0300 1234567 Zong\n0345 1234567</textarea>" in edit  # the operator written where the prefix differs
    assert "\n111.68.96.10</textarea>" in edit

    fields = dict(FORM, networks="111.68.96.10", numbers="0300 1234567 Zong\n0345 1234567")
    client.post(reverse("vpn_records:edit", args=[registration.reference]), fields)
    assert entries_of(registration) == [("111.68.96.10", ""), ("+923001234567", "zong"), ("+923451234567", "telenor")]
    assert registration.entries.get(msisdn="+923001234567").pk == kept

    client.post(reverse("vpn_records:edit", args=[registration.reference]), {**fields, "networks": ""})
    assert entries_of(registration) == [("+923001234567", "zong"), ("+923451234567", "telenor")]


def test_a_number_is_proved_on_check_your_answers_and_then_submitted(
    client, freelancer, sms_gateway, redis_cache, django_capture_on_commit_callbacks
):
    registration = draft_with_number(client, freelancer)
    send, verify = number_urls(registration)
    review = review_page(client, registration)
    assert "Send code" in review and "Not proved yet" in review and "Enter the 6-digit code" not in review

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(send, follow=True)
    assert sms_gateway.accepted[0]["to"] == "+923001234567"
    code = code_sent(sms_gateway)
    page = sent.content.decode()
    assert "We sent a code to \u2068+92300*****67\u2069. It works for 10 minutes." in page
    assert 'Enter the 6-digit code we sent to <bdi dir="ltr">+92300*****67</bdi>' in page
    assert code not in page

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = client.post(verify, {"code": wrong}, follow=True).content.decode()
    assert "There is a problem" in refused and "That code is not right. You have 4 more tries." in refused
    assert 'aria-invalid="true"' in refused and code not in refused

    with django_capture_on_commit_callbacks(execute=True):
        proved = client.post(verify, {"code": urdu_digits(code)}, follow=True).content.decode()
    assert "+92300*****67\u2069 is proved." in proved and "Proved" in proved and "Send code" not in proved
    assert MsisdnProof.objects.get().verified_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(reverse("vpn_records:submit", args=[registration.reference]))
    assert submitted.url == reverse("vpn_records:submitted", args=[registration.reference])
    registration.refresh_from_db()
    assert registration.status != Status.DRAFT


def test_submitting_before_proving_shows_the_error_summary(client, freelancer):
    registration = draft_with_number(client, freelancer)
    response = client.post(reverse("vpn_records:submit", args=[registration.reference]), follow=True)
    page = response.content.decode()
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert '<a href="#numbers">Prove you hold each mobile number with the code we send it before you submit' in summary
    assert "+92300*****67" in summary
    assert page.count("Prove you hold each mobile number") == 1  # in the summary, not again as a message
    assert Registration.objects.get().status == Status.DRAFT


def test_asking_again_too_soon_says_how_long_to_wait(
    client, freelancer, sms_gateway, redis_cache, django_capture_on_commit_callbacks
):
    registration = draft_with_number(client, freelancer)
    send, _verify = number_urls(registration)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(send)
        clock.shift(timedelta(seconds=20))
        again = client.post(send, follow=True).content.decode()
    assert "A code was sent a moment ago. You can ask for another in 41 seconds." in again
    assert "Send a new code" in again
    assert len(sms_gateway.accepted) == 1


def test_past_the_limit_the_applicant_is_told_to_wait(client, freelancer, settings, redis_cache):
    settings.MSISDN_CODE_RATE_PER_ACCOUNT = "1/hour"
    registration = draft_with_number(client, freelancer, "0300 1234567\n0301 7654321")
    first, second = registration.entries.order_by("id")
    with time_machine.travel(timezone.now(), tick=False):
        client.post(reverse("vpn_records:number_code_send", args=[registration.reference, first.pk]))
        limited = client.post(
            reverse("vpn_records:number_code_send", args=[registration.reference, second.pk]), follow=True
        )
    page = limited.content.decode()
    assert re.search(r'<a href="#number-\d+">Too many attempts. Please wait \d+ minutes and try again.</a>', page)


def test_an_empty_code_is_refused_without_counting_as_a_wrong_one(
    client, freelancer, redis_cache, django_capture_on_commit_callbacks
):
    registration = draft_with_number(client, freelancer)
    send, verify = number_urls(registration)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(send)
    page = client.post(verify, {"code": ""}, follow=True).content.decode()
    assert "Enter the 6-digit code we sent by SMS." in page
    assert MsisdnProof.objects.get().wrong_attempts == 0


def test_another_applicant_gets_404_for_sending_and_verifying(client, freelancer, other_applicant, redis_cache):
    registration = draft_with_number(client, freelancer)
    send, verify = number_urls(registration)
    client.force_login(other_applicant)
    assert client.post(send).status_code == 404
    assert client.post(verify, {"code": "123456"}).status_code == 404
    assert not MsisdnProof.objects.exists()


def test_a_network_entry_has_no_code_to_send(client, freelancer):
    client.force_login(freelancer)
    client.post(reverse("vpn_records:new"), FORM)
    registration = Registration.objects.get()
    network = IpEntry.objects.filter(registration=registration).first()
    url = reverse("vpn_records:number_code_send", args=[registration.reference, network.pk])
    assert client.post(url).status_code == 404


def test_the_registration_page_shows_the_number_and_its_operator(client, freelancer):
    registration = draft_with_number(client, freelancer, "0300 1234567 Zong")
    page = client.get(registration.get_absolute_url()).content.decode()
    assert '<bdi dir="ltr">+923001234567</bdi> (Zong)' in page
