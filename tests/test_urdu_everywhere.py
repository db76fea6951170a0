"""In Urdu, no error a person can meet is an English-only sentence: every form's and every API endpoint's error
paths, driven with bad input, answer in Urdu (Django's and DRF's own messages included)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import make_company_user, make_registration, token_for

pytestmark = pytest.mark.django_db
URDU_LETTER = re.compile("[\u0600-\u06ff]")
ENGLISH_WORD = re.compile("[A-Za-z]{3,}")


def error_texts(html: str) -> list[str]:
    """The error summary's and the fields' messages on a page."""
    blocks = re.findall(r'<div class="error-summary".*?</div>|<div class="field-error".*?</div>', html, re.S)
    texts = []
    for block in blocks:
        for item in re.findall(r"<(?:li|p)[^>]*>(.*?)</(?:li|p)>", block, re.S):
            text = re.sub(r"<[^>]+>", "", item).strip()
            if text:
                texts.append(text)
    return texts


def english_only(texts: list[str]) -> list[str]:
    return [t for t in texts if ENGLISH_WORD.search(t) and not URDU_LETTER.search(t)]


def api_messages(body: dict) -> list[str]:
    return [body.get("detail", "")] + [error["message"] for error in body.get("errors", [])]


@pytest.fixture
def urdu_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    return client


FORM_POSTS = [
    ("applicants:login", {}),
    ("applicants:login", {"username": "nobody@example.pk", "password": "wrong-password"}),
    ("applicants:sign_up_freelancer", {}),
    ("applicants:sign_up_freelancer", {"email": "not-an-email", "password1": "123", "password2": "456",
                                       "cnic": "9", "mobile": "12", "full_name": "x" * 300}),
    ("applicants:sign_up_company", {}),
    ("applicants:sign_up_company", {"email": "a@b", "ntn": "12", "authorised_person_cnic": "1", "mobile": "0"}),
    ("applicants:password_reset", {"email": "not-an-email"}),
    ("applicants:resend_confirmation", {"email": ""}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data"), FORM_POSTS)
def test_anonymous_forms_answer_every_error_in_urdu(urdu_client, name, data):
    page = urdu_client.post(reverse(name), data).content.decode()
    texts = error_texts(page)
    assert texts, "no error shown"
    assert not english_only(texts), english_only(texts)


SIGNED_IN_POSTS = [
    ("vpn_records:new", {}),
    ("vpn_records:new", {"purpose": "nonsense", "isp": "other", "vpn_type": "x", "purpose_detail": "x" * 2001,
                         "networks": "010.1.1.1\n10.0.0.1/8\nfe80::1%eth0\nhello\n111.68.96.10\n111.68.96.10"}),
    ("applicants:profile", {"full_name": "", "language": "xx"}),
    ("applicants:password_change", {"current_password": "wrong", "new_password1": "1", "new_password2": "2"}),
    ("applicants:email_change", {"current_password": "wrong", "email": "nope"}),
    ("applicants:mobile_change", {"current_password": "wrong", "mobile": "12345"}),
    ("applicants:team", {"email": "bad", "full_name": ""}),
    ("applicants:api_tokens", {"issue": "1", "name": "x" * 300}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data"), SIGNED_IN_POSTS)
def test_signed_in_forms_answer_every_error_in_urdu(urdu_client, name, data):
    urdu_client.force_login(make_company_user(email="admin@induscode.pk"))
    page = urdu_client.post(reverse(name), data).content.decode()
    texts = error_texts(page)
    assert texts, "no error shown"
    assert not english_only(texts), english_only(texts)


def test_a_bulk_upload_form_error_is_in_urdu(urdu_client):
    urdu_client.force_login(make_company_user(email="admin@induscode.pk"))
    page = urdu_client.post(
        reverse("bulk_uploads:new"),
        {"file": SimpleUploadedFile("ips.csv", b"%PDF-1.7"), "purpose": "x", "isp": "ptcl", "vpn_type": "ipsec"},
    ).content.decode()
    texts = error_texts(page)
    assert texts and not english_only(texts), texts


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="ur")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


API_CALLS = [
    ("post", "/api/v1/registrations/", {}),
    ("post", "/api/v1/registrations/", {"purpose": 1, "purpose_detail": None, "isp": "x", "vpn_type": [],
                                        "entries": [{"network": "010.1.1.1"}, {"network": "10.0.0.1/8"}, {}]}),
    ("post", "/api/v1/registrations/", {"entries": "nope"}),
    ("get", "/api/v1/registrations/?submitted_before=yesterday", None),
    ("get", "/api/v1/registrations/?page=99", None),
    ("get", "/api/v1/registrations/VPN-2000-000001/", None),
    ("delete", "/api/v1/registrations/", None),
    ("post", "/api/v1/bulk-uploads/", {}),
    ("post", "/api/v1/auth/token/", {"email": "nope", "password": ""}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "data"), API_CALLS)
def test_api_errors_are_in_urdu(method, path, data):
    user = make_company_user(email="admin@induscode.pk")
    client = api(None if path.startswith("/api/v1/auth/") else user)
    response = getattr(client, method)(path, data, format="json") if data is not None else getattr(client, method)(path)
    assert response.status_code >= 400
    messages = api_messages(response.json())
    assert not english_only(messages), english_only(messages)


def test_unauthenticated_and_forbidden_api_answers_are_in_urdu():
    assert not english_only(api_messages(api().get("/api/v1/registrations/").json()))
    bad = APIClient(HTTP_ACCEPT_LANGUAGE="ur", HTTP_AUTHORIZATION="Token vpr_nope")
    assert not english_only(api_messages(bad.get("/api/v1/registrations/").json()))
    registration = make_registration(user=make_company_user(email="other@induscode.pk"))
    operator_messages = api_messages(api(user=None).get(f"/api/v1/registrations/{registration.reference}/").json())
    assert not english_only(operator_messages)


def test_identity_inputs_are_left_to_right_on_urdu_forms(urdu_client):
    page = urdu_client.get(reverse("applicants:sign_up_company")).content.decode()
    for name in ("ntn", "authorised_person_cnic", "mobile"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'dir="ltr"' in tag, tag


def test_the_urdu_admin_shows_masked_cnic_and_mobile_left_to_right(urdu_client):
    from tests.factories import make_freelancer, make_staff

    make_freelancer(email="ayesha@example.pk", cnic="3520212345673")
    urdu_client.force_login(make_staff(email="auditor@pta.example", role="auditor"))
    page = urdu_client.get(reverse("admin:applicants_applicant_changelist")).content.decode()
    assert '<bdi dir="ltr">35202-*******-3</bdi>' in page
    assert re.search(r'<bdi dir="ltr">\+92[^<]*\*+[^<]*</bdi>', page)
