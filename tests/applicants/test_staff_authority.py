"""Staff powers come only from a session that passed the one-time password, or from a staff token: every
staff-capable endpoint, asked by a password-only session, an OTP-verified session of each role, and each token."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, make_operator, make_registration, token_for
from vpn_records.models import IpEntry, Status

pytestmark = pytest.mark.django_db

GOOD = "111.68.96.10/32"


@pytest.fixture(autouse=True)
def two_factor(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def under_review(freelancer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10", "39.40.1.0/24"], submit=True)
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    return registration


def good_entry(registration) -> IpEntry:
    return registration.entries.get(network=GOOD)


def sign_in_with_otp(client, user) -> None:
    """The real staff sign-in: password and the authenticator's current code."""
    call_command("enrol_staff_2fa", user.email, stdout=io.StringIO())
    device = TOTPDevice.objects.get(user=user)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": user.email, "password": PASSWORD, "otp_device": device.persistent_id, "otp_token": code},
    )
    assert response.status_code == 302, response.content.decode()


@pytest.fixture
def caller(request, client):
    """A client as the named caller: `password:<role>` (a session without the one-time password), `otp:<role>`, or
    `token:<staff role|operator|applicant>`."""
    kind, who = request.param.split(":")
    if who == "operator":
        holder = make_operator()
    else:
        holder = request.getfixturevalue("freelancer" if who == "applicant" else who)
    if kind == "password":
        client.force_login(holder)
    elif kind == "otp":
        sign_in_with_otp(client, holder)
    else:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token_for(holder)}"
    return client


# Each caller, and what it may do: the expected answers are written out, not derived from the code.
DECIDE = {
    "password:reviewer": 401,
    "password:supervisor": 401,
    "otp:reviewer": 200,
    "otp:supervisor": 200,
    "otp:auditor": 403,
    "token:reviewer": 200,
    "token:auditor": 403,
    "token:operator": 403,
    "token:applicant": 403,
}
READ_WHITELIST = {
    "password:reviewer": 401,
    "password:auditor": 401,
    "otp:reviewer": 200,
    "otp:auditor": 200,
    "token:reviewer": 403,
    "token:operator": 200,
    "token:applicant": 403,
}
# The admin answers a page with 200, and sends anyone it does not let in to its sign-in page.
ADMIN_PAGES = {
    "password:reviewer": 302,
    "password:supervisor": 302,
    "otp:reviewer": 200,
    "otp:auditor": 200,
    "token:reviewer": 302,
    "token:operator": 302,
}
# The answer to the posted action, and whether the entry was approved.
ADMIN_APPROVE_ACTION = {
    "password:reviewer": (302, False),  # to the sign-in page
    "password:supervisor": (302, False),
    "otp:reviewer": (302, True),  # back to the list, done
    "otp:supervisor": (302, True),
    "otp:auditor": (403, False),  # signed in, but not offered the action
    "token:reviewer": (302, False),
}


@pytest.mark.parametrize(("caller", "expected"), DECIDE.items(), indirect=["caller"])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_deciding_an_entry_over_the_api(caller, expected, decision, under_review):
    entry = good_entry(under_review)
    response = caller.post(
        reverse(f"api:review-entry-{decision}", args=[entry.pk]),
        {"reason": "Checked against the ISP's records."},
        content_type="application/json",
    )
    assert response.status_code == expected, response.content.decode()
    decided = Status.APPROVED if decision == "approve" else Status.REJECTED
    assert good_entry(under_review).status == (decided if expected == 200 else Status.UNDER_REVIEW)


@pytest.mark.parametrize(("caller", "expected"), READ_WHITELIST.items(), indirect=["caller"])
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("api:whitelist-check", {"ip": "111.68.96.10"}),
        ("api:whitelist-export-txt", {}),
        ("api:whitelist-export-csv", {}),
        ("api:whitelist-export-json", {}),
    ],
)
def test_reading_the_whitelist(caller, expected, name, query):
    response = caller.get(reverse(name), query)
    assert response.status_code == expected


@pytest.mark.parametrize(("caller", "expected"), ADMIN_PAGES.items(), indirect=["caller"])
@pytest.mark.parametrize("page", ["index", "dashboard", "registrations", "applicant"])
def test_admin_pages(caller, expected, page, under_review):
    url = {
        "index": reverse("admin:index"),
        "dashboard": reverse("admin:dashboard"),
        "registrations": reverse("admin:vpn_records_registration_changelist"),
        "applicant": reverse("admin:applicants_applicant_change", args=[under_review.applicant_id]),
    }[page]
    response = caller.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("admin:login"))
    else:
        assert 'name="otp_token"' not in response.content.decode()  # the page itself, not the sign-in form


@pytest.mark.parametrize(("caller", "expected"), ADMIN_APPROVE_ACTION.items(), indirect=["caller"])
def test_the_admin_approve_action(caller, expected, under_review):
    status, approved = expected
    entry = good_entry(under_review)
    response = caller.post(
        reverse("admin:vpn_records_ipentry_changelist"), {"action": "approve", "_selected_action": [entry.pk]}
    )
    assert response.status_code == status
    if status == 302 and not approved:
        assert response.url.startswith(reverse("admin:login"))
    assert good_entry(under_review).status == (Status.APPROVED if approved else Status.UNDER_REVIEW)


def test_staff_get_no_session_from_the_applicant_sign_in(client, reviewer):
    response = client.post(reverse("applicants:login"), {"username": reviewer.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Staff accounts sign in at the staff sign-in page" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("api:whitelist-export-txt")).status_code == 401


def test_without_two_factor_required_a_password_session_still_has_no_applicant_sign_in(client, settings, reviewer):
    settings.STAFF_2FA_REQUIRED = False
    client.post(reverse("applicants:login"), {"username": reviewer.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_password_only_staff_session_is_anonymous_on_every_page(client, reviewer):
    client.force_login(reviewer)
    home = client.get(reverse("home")).content.decode()
    assert "Sign in" in home and "Staff admin" not in home
    assert client.get(reverse("applicants:profile")).status_code == 302


def test_a_role_given_to_an_applicant_login_grants_nothing(client, settings, freelancer, under_review):
    from django.contrib.auth.models import Group

    settings.STAFF_2FA_REQUIRED = False
    freelancer.groups.add(Group.objects.get(name="supervisor"))
    client.force_login(freelancer)
    entry = good_entry(under_review)
    response = client.post(reverse("api:review-entry-approve", args=[entry.pk]), {}, content_type="application/json")
    assert response.status_code == 403
    assert good_entry(under_review).status == Status.UNDER_REVIEW
