"""The service's own error pages, in the reader's language, and JSON under /api/ for every one of them."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from core.api_errors import csrf_failure, server_error
from tests.factories import make_user
from tests.test_security_headers import inline_code_of

pytestmark = pytest.mark.django_db

STYLESHEET = '<link rel="stylesheet" href="/static/css/portal.css">'
HOME_LINK = '<a href="/">'
URDU = '<html lang="ur" dir="rtl">'
REFERENCE = re.compile(r"<code>([0-9A-F]{8})</code>")


def assert_service_page(response, status: int, title: str) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f"<title>{title}</title>" in page and f"<h1>{title}</h1>" in page
    assert STYLESHEET in page and HOME_LINK in page
    assert inline_code_of(response) == []
    return page


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["errors"] == [{"field": None, "code": code, "message": body["detail"]}]
    return body


def test_an_unknown_page_is_our_404(client):
    page = assert_service_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "check it is correct" in page


def test_an_unknown_page_in_urdu_is_right_to_left(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and URDU in response.content.decode()


def test_an_unknown_api_address_is_a_json_404(client):
    assert_api_error(client.get("/api/v1/nope/"), 404, "not_found")


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_a_form_sent_without_its_csrf_token_explains_how_to_try_again(csrf_client, freelancer):
    response = csrf_client.post(reverse("applicants:login"), {"username": freelancer.email, "password": "x"})
    page = assert_service_page(response, 403, "Sorry, your form could not be sent")
    assert "open for a long time or your session has ended" in page
    assert "blocks cookies" in page and "Reload the page." in page
    assert settings.CSRF_COOKIE_NAME in response.cookies  # a fresh token, so the reloaded form works


def test_the_csrf_page_follows_accept_language(csrf_client):
    response = csrf_client.post(reverse("applicants:login"), {}, headers={"accept-language": "ur"})
    assert response.status_code == 403 and URDU in response.content.decode()


def test_a_session_api_write_without_csrf_token_is_json(csrf_client, freelancer):
    csrf_client.force_login(freelancer)
    response = csrf_client.post("/api/v1/registrations/", {}, content_type="application/json")
    body = assert_api_error(response, 403, "permission_denied")
    assert "CSRF" in body["detail"]


def test_the_csrf_failure_view_answers_json_under_api():
    request = RequestFactory().post("/api/v1/registrations/")
    response = csrf_failure(request, reason="CSRF token missing.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"detail": "CSRF verification failed')
    assert b'"code": "csrf_failed"' in response.content


def test_a_page_refused_to_this_account_is_our_403(client):
    client.force_login(make_user(email="new.staff@pta.example", applicant=None, is_staff=True))  # no role yet
    page = assert_service_page(
        client.get(reverse("admin:dashboard")), 403, "You do not have permission to see this page"
    )
    assert "signed in with the right one" in page


@pytest.fixture
def broken_dashboard(monkeypatch):
    """The applicant's registrations (web page and API) fail with an error nobody expected."""
    from vpn_records import selectors

    def broken(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "registration_list_for_user", broken)


def logged_with(caplog, reference: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if reference in record.getMessage()]


def test_an_unexpected_error_is_our_500_with_the_reference_logged_once(client, freelancer, broken_dashboard, caplog):
    client.raise_request_exception = False
    client.force_login(freelancer)
    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("vpn_records:dashboard"))
    page = assert_service_page(response, 500, "Sorry, there is a problem with the service")
    assert "Sign in" in page  # rendered without the request's user
    reference = REFERENCE.search(page)[1]
    [record] = logged_with(caplog, reference)
    assert record.levelno == logging.ERROR and record.exc_info and record.exc_info[0] is RuntimeError
    assert reverse("vpn_records:dashboard") in record.getMessage()
    assert [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError] == [record]  # not twice


@pytest.mark.parametrize(
    "language", [{"cookies": "ur"}, {"headers": {"accept-language": "ur"}}], ids=["cookie", "accept-language"]
)
def test_the_500_page_is_in_the_readers_language(client, freelancer, broken_dashboard, language):
    client.raise_request_exception = False
    client.force_login(freelancer)
    if "cookies" in language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language["cookies"]
    response = client.get(reverse("vpn_records:dashboard"), headers=language.get("headers"))
    assert response.status_code == 500 and URDU in response.content.decode()


def test_an_unexpected_api_error_is_json_with_the_logged_reference(freelancer_api, broken_dashboard, caplog):
    freelancer_api.raise_request_exception = False
    with caplog.at_level(logging.ERROR):
        response = freelancer_api.get("/api/v1/registrations/")
    body = assert_api_error(response, 500, "server_error")
    reference = body["reference"]
    assert re.fullmatch(r"[0-9A-F]{8}", reference) and reference in body["detail"]
    assert logged_with(caplog, reference)


def test_the_500_page_needs_neither_database_nor_session():
    def database_away(*_args):
        raise OperationalError("the database is away")

    request = RequestFactory().get("/registrations/")  # no session, no user
    with connection.execute_wrapper(database_away):
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            response = server_error(request)
    assert response.status_code == 500
    assert STYLESHEET in response.content.decode() and REFERENCE.search(response.content.decode())


@pytest.fixture
def database_away(monkeypatch):
    from vpn_records import selectors

    def away(**_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "registration_list_for_user", away)


def test_the_database_away_is_our_503_page(client, freelancer, database_away):
    client.raise_request_exception = False
    client.force_login(freelancer)
    response = client.get(reverse("vpn_records:dashboard"))
    page = assert_service_page(response, 503, "Sorry, the service is unavailable")
    assert response["Retry-After"] == "30" and "try again in a minute" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    assert URDU in client.get(reverse("vpn_records:dashboard")).content.decode()


def test_a_form_over_the_size_limit_is_our_page_naming_the_limit(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = client.post(reverse("applicants:login"), {"username": "x" * 200_000})
    page = assert_service_page(response, 413, "There is a problem with your request")
    assert "larger than the 0.1 MB this service accepts" in page


def test_a_500_page_that_cannot_render_is_still_a_page_with_the_reference(monkeypatch, caplog):
    from django.template import loader

    def broken(*_args, **_kwargs):
        raise RuntimeError("a broken template")

    monkeypatch.setattr(loader, "render_to_string", broken)
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(RequestFactory().get("/registrations/"))
    assert response.status_code == 500
    reference = re.search(r"reference ([0-9A-F]{8})", response.content.decode())[1]
    assert logged_with(caplog, reference)
