"""Changing the password, the email address and the mobile number: each needs the current password (and staff
their one-time password), the old address hears of it, and a new password ends every other session."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from applicants.models import ApiToken, User
from tests.factories import PASSWORD, token_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Margalla-Hills-Walk-77"


def link_in(message, path: str) -> str:
    return re.search(rf"https?://\S+?({re.escape(path)}\S*)", message.body).group(1)


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_changing_the_password_needs_the_current_one(client, freelancer):
    client.force_login(freelancer)
    response = client.post(
        reverse("applicants:password_change"),
        {"current_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your current password is not right." in response.content.decode()
    assert User.objects.get(pk=freelancer.pk).check_password(PASSWORD)


def test_a_new_password_signs_out_every_other_browser_but_this_one(freelancer, django_capture_on_commit_callbacks):
    here, elsewhere = signed_in(freelancer), signed_in(freelancer)
    assert elsewhere.get(reverse("applicants:profile")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(
            reverse("applicants:password_change"),
            {"current_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            follow=True,
        )
    assert "Your password is changed" in response.content.decode()
    assert here.get(reverse("applicants:profile")).status_code == 200
    assert elsewhere.get(reverse("applicants:profile")).status_code == 302
    assert User.objects.get(pk=freelancer.pk).check_password(NEW_PASSWORD)
    [notice] = emails_to(freelancer.email)
    assert notice.subject == "Your password was changed"


@pytest.mark.parametrize(("ticked", "usable_after"), [(True, 0), (False, 1)])
def test_a_password_change_revokes_the_api_tokens_when_asked(client, freelancer, ticked, usable_after):
    token_for(freelancer)
    client.force_login(freelancer)
    form = {"current_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    client.post(reverse("applicants:password_change"), {**form, **({"revoke_tokens": "on"} if ticked else {})})
    assert ApiToken.objects.filter(user=freelancer, revoked_at__isnull=True).count() == usable_after


def test_a_password_reset_revokes_every_token_and_ends_every_session(
    client, freelancer, api_client, django_capture_on_commit_callbacks
):
    key = token_for(freelancer)
    elsewhere = signed_in(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicants:password_reset"), {"email": freelancer.email})
    confirm = client.get(link_in(mail.outbox[-1], "/account/password-reset/"), follow=True)
    client.post(confirm.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert User.objects.get(pk=freelancer.pk).check_password(NEW_PASSWORD)
    assert elsewhere.get(reverse("applicants:profile")).status_code == 302
    response = api_client.get(reverse("api:registration-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "token_revoked"


def test_staff_change_their_password_with_the_one_time_password_too(client, settings, reviewer):
    settings.STAFF_2FA_REQUIRED = True
    call_command("enrol_staff_2fa", reviewer.email, stdout=io.StringIO())
    device = TOTPDevice.objects.get(user=reviewer)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    client.post(
        reverse("admin:login"),
        {"username": reviewer.email, "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": code},
    )
    assert client.get(reverse("admin:password_change")).url == reverse("applicants:password_change")
    form = {"current_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    refused = client.post(reverse("applicants:password_change"), {**form, "otp_token": "000000"})
    assert "This one-time password is not right" in refused.content.decode()
    assert User.objects.get(pk=reviewer.pk).check_password(PASSWORD)
    backup = reviewer.staticdevice_set.get().token_set.first().token
    with time_machine.travel(timedelta(seconds=5)):  # django-otp waits a moment after each wrong code
        client.post(reverse("applicants:password_change"), {**form, "otp_token": backup})
    assert User.objects.get(pk=reviewer.pk).check_password(NEW_PASSWORD)


def test_an_email_change_is_confirmed_at_the_new_address_and_told_to_the_old(
    client, freelancer, django_capture_on_commit_callbacks
):
    client.force_login(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applicants:email_change"),
            {"new_email": "Ayesha.New@Example.pk", "current_password": PASSWORD},
            follow=True,
        )
    assert "We emailed a link to ayesha.new@example.pk" in response.content.decode()
    assert User.objects.get(pk=freelancer.pk).email == "ayesha@example.pk"  # not until the link is followed
    [to_old] = emails_to("ayesha@example.pk")
    assert "ayesha.new@example.pk" in to_old.body
    [to_new] = emails_to("ayesha.new@example.pk")
    link = link_in(to_new, "/account/email/confirm/")

    assert client.get(link).status_code == 200  # a scanner following the link changes nothing
    assert User.objects.get(pk=freelancer.pk).email == "ayesha@example.pk"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    assert User.objects.get(pk=freelancer.pk).email == "ayesha.new@example.pk"
    assert emails_to("ayesha@example.pk")[-1].subject == "Your email address was changed"

    reused = client.post(link, follow=True)
    assert "invalid, has expired or was already used" in reused.content.decode()


def test_an_email_change_to_a_taken_address_answers_the_same_and_tells_its_owner(
    client, freelancer, other_applicant, django_capture_on_commit_callbacks
):
    client.force_login(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applicants:email_change"), {"new_email": other_applicant.email, "current_password": PASSWORD}
        )
    assert response.status_code == 302
    [to_owner] = emails_to(other_applicant.email)
    assert to_owner.subject == "Someone tried to use your email address"
    assert "/account/email/confirm/" not in to_owner.body
    assert User.objects.get(pk=freelancer.pk).email == freelancer.email


def test_an_email_change_link_is_refused_once_another_account_took_the_address(
    client, freelancer, django_capture_on_commit_callbacks
):
    client.force_login(freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicants:email_change"), {"new_email": "late@example.pk", "current_password": PASSWORD})
    link = link_in(emails_to("late@example.pk")[0], "/account/email/confirm/")
    User.objects.create_user(email="late@example.pk", password=PASSWORD)
    response = client.post(link, follow=True)
    assert "Another account now uses this email address." in response.content.decode()
    assert User.objects.get(pk=freelancer.pk).email == freelancer.email


def test_a_tampered_email_change_link_is_refused(client, freelancer):
    client.force_login(freelancer)
    response = client.post(reverse("applicants:email_change_confirm", args=["eyJ1c2VyIjoxfQ:forged:sig"]), follow=True)
    assert "invalid, has expired or was already used" in response.content.decode()


def test_the_mobile_number_changes_with_the_current_password_and_every_member_is_told(
    client, company_user, company_colleague, django_capture_on_commit_callbacks
):
    client.force_login(company_colleague)
    refused = client.post(reverse("applicants:mobile_change"), {"mobile": "0333 7654321", "current_password": "x"})
    assert "Your current password is not right." in refused.content.decode()
    bad = client.post(reverse("applicants:mobile_change"), {"mobile": "042 1234567", "current_password": PASSWORD})
    assert bad.status_code == 200 and "mobile" in bad.content.decode().lower()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicants:mobile_change"), {"mobile": "0333 7654321", "current_password": PASSWORD})
    company_user.applicant.refresh_from_db()
    assert str(company_user.applicant.mobile) == "+92 333 7654321"
    for member in (company_user, company_colleague):
        [notice] = emails_to(member.email)
        assert notice.subject == "Your mobile number was changed"
        assert "7654321" not in notice.body  # masked, as in every message


def test_a_disabled_account_is_signed_out_on_its_next_request(freelancer):
    browser = signed_in(freelancer)
    assert browser.get(reverse("applicants:profile")).status_code == 200
    User.objects.filter(pk=freelancer.pk).update(is_active=False)
    assert browser.get(reverse("applicants:profile")).status_code == 302
