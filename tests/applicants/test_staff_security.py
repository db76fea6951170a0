"""Staff need a one-time password for the admin when STAFF_2FA_REQUIRED; repeated failures lock an account."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_factor(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def enrolled(reviewer):
    call_command("enrol_staff_2fa", reviewer.email, stdout=io.StringIO())
    return reviewer


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def admin_login(client, user, **extra):
    return client.post(
        reverse("admin:login") + "?next=/admin/", {"username": user.email, "password": PASSWORD, **extra}, follow=True
    )


def test_password_alone_does_not_open_the_admin(client, two_factor, enrolled):
    page = admin_login(client, enrolled).content.decode()
    assert "otp_token" in page
    assert client.get(reverse("admin:index")).status_code == 302


def test_password_and_authenticator_code_open_the_admin(client, two_factor, enrolled):
    response = admin_login(client, enrolled, otp_device=TOTPDevice.objects.get(user=enrolled).persistent_id,
                           otp_token=current_code(enrolled))  # fmt: skip
    assert response.redirect_chain[-1][0] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_backup_code_works_once(client, two_factor, enrolled):
    code = StaticToken.objects.filter(device__user=enrolled).first()
    device_id = code.device.persistent_id
    admin_login(client, enrolled, otp_device=device_id, otp_token=code.token)
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    admin_login(client, enrolled, otp_device=device_id, otp_token=code.token)
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_logged_in_but_unverified_session_is_not_staff(client, two_factor, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:index")).status_code == 302


def test_without_the_setting_a_password_suffices(client, settings, reviewer):
    settings.STAFF_2FA_REQUIRED = False
    admin_login(client, reviewer)
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrolment_is_for_staff_and_refuses_to_overwrite(enrolled, freelancer):
    with pytest.raises(CommandError, match="No staff account"):
        call_command("enrol_staff_2fa", freelancer.email)
    with pytest.raises(CommandError, match="--reset"):
        call_command("enrol_staff_2fa", enrolled.email)


def test_applicants_never_reach_the_admin(client, freelancer):
    client.force_login(freelancer)
    assert client.get(reverse("admin:index")).status_code == 302


def test_repeated_failures_lock_the_account_even_against_the_right_password(client, settings, freelancer):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("applicants:login"), {"username": freelancer.email, "password": "wrong-guess"})
    response = client.post(reverse("applicants:login"), {"username": freelancer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
