"""The OpenAPI schema, its docs pages, and Schemathesis calling every operation the schema describes."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import schemathesis
import yaml
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import TestCase, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from applicants.models import User
from bulk_uploads import services as bulk
from evidence.services import document_add
from registration_portal.celery import app as celery_app
from registration_portal.urls import api_v1
from registration_portal.wsgi import application
from tests.bulk_uploads.bulk_files import csv_file
from tests.evidence.conftest import pdf_bytes
from tests.evidence.conftest import upload as uploaded_file
from tests.factories import PASSWORD, make_company_user, make_operator, make_registration, make_staff, token_for
from vpn_records import services

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.generation.update(with_security_parameters=False)  # each test sends the token its operation needs

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _route(pattern: str) -> str:
    """`registrations/<str:reference>/` and `/api/v1/registrations/{reference}/` both as `registrations/{}/`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", pattern.removeprefix("/api/v1/"))


def test_schema_is_openapi_3_listing_every_api_route_in_json_and_yaml(api_client):
    as_json = api_client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Token not-needed-here")
    as_yaml = api_client.get("/api/schema/")
    assert as_json.status_code == as_yaml.status_code == 200
    document = as_json.json()
    assert yaml.safe_load(as_yaml.content) == document
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "VPN registration portal API"
    every_app_route = {_route(str(route.pattern)) for app in api_v1 for route in app.url_patterns}
    assert {_route(path) for path in document["paths"]} == every_app_route
    assert document["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "Token <key>: the word `Token`, a space, and the key (`vpr_…`).",
    }


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_our_own_static_files(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.findall(r"https?://", html), "the page names another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        if asset == f"{page}?script=":  # Swagger UI's settings, from the page's own view rather than inline
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among our static files"


@dataclass
class ApiWorld:
    """Accounts with tokens, and something in the database for each operation to find."""

    applicant: User
    applicant_key: str
    operator_key: str
    reviewer_key: str
    real_values: dict[str, list]
    turns: dict[str, itertools.count] = field(default_factory=lambda: defaultdict(itertools.count))

    def headers_for(self, path: str, method: str) -> dict[str, str]:
        if path == "/api/v1/auth/token/":
            # POST needs no token; DELETE revokes the one it is sent with, so each call gets a new one.
            return {} if method.upper() == "POST" else {"Authorization": f"Token {token_for(self.applicant)}"}
        if path.startswith(("/api/v1/whitelist/", "/api/v1/mobile-whitelist/")):
            return {"Authorization": f"Token {self.operator_key}"}
        if path.startswith("/api/v1/review/"):
            return {"Authorization": f"Token {self.reviewer_key}"}
        return {"Authorization": f"Token {self.applicant_key}"}

    def aim_every_other_case_at_real_objects(self, case) -> None:
        """Generated ids find nothing (404); every other case is sent to objects that exist, and signs in."""
        turn = next(self.turns[case.operation.label])  # per operation: the same cases whichever worker runs it
        if turn % 2:
            return
        for name in case.path_parameters or {}:
            values = self.real_values[name]
            case.path_parameters[name] = values[turn // 2 % len(values)]
        if case.operation.path == "/api/v1/auth/token/" and isinstance(case.body, dict):
            case.body.update(email=self.applicant.email, password=PASSWORD)


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """Made once for the module inside a transaction that is rolled back at its end, as Django's setUpTestData.

    Each test's own transaction (the `db` fixture) is a savepoint within it, so tests still do not see each other.
    """
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True  # as `celery_eager`, per test
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(**_FAST_AND_UNTHROTTLED):
        yield _make_world()
        transaction.set_rollback(True)
    celery_app.conf.task_always_eager = eager


_FAST_AND_UNTHROTTLED = {
    "REST_FRAMEWORK": {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}},
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],  # the token endpoint checks passwords
}


def _make_world() -> ApiWorld:
    company_user = make_company_user(email="admin@induscode.pk")
    reviewer = make_staff(email="reviewer@pta.example", role="reviewer")
    under_review = make_registration(user=company_user, networks=["111.68.96.10", "111.68.96.32/28"])
    document = document_add(
        registration=under_review, user=company_user, kind="incorporation", file=uploaded_file("deed.pdf", pdf_bytes())
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.registration_submit(registration=under_review, user=company_user)
        approved = make_registration(user=company_user, networks=["39.40.1.0/24"], submit=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.registration_decide(registration=approved, actor=reviewer, approve=True)
    batch = {"purpose": "it_export", "purpose_detail": "Offshore team.", "isp": "nayatel", "vpn_type": "ipsec"}
    rows = [["111.68.97.1", "", "", ""], ["not an address", "", "", ""]]
    with TestCase.captureOnCommitCallbacks(execute=True):
        upload = bulk.bulk_upload_create(user=company_user, file=csv_file(rows), **batch)
    upload.refresh_from_db()
    assert upload.rejected_rows == 1
    operator = make_operator()
    operator.mobile_operator = "jazz"  # a mobile network's account reads both feeds
    operator.save()
    return ApiWorld(
        applicant=company_user,
        applicant_key=token_for(company_user),
        operator_key=token_for(operator),
        reviewer_key=token_for(reviewer),
        real_values={
            "reference": [under_review.reference, approved.reference],
            # Entries' ids and a document's: each operation finds its own kind among them.
            "id": [*under_review.entries.values_list("pk", flat=True), document.pk],
            "public_id": [str(upload.public_id)],
            "code": [approved.certificates.get().code],
        },
    )


@pytest.fixture(scope="module")
def keep_test_transaction():
    """Django's WSGI handler closes the connection after each request, which would end the test's transaction.

    Django's own test client disconnects the same receivers while it makes a request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_the_schema_says(case, api_world, keep_test_transaction, db):
    api_world.aim_every_other_case_at_real_objects(case)
    case.call_and_validate(headers=api_world.headers_for(case.operation.path, case.method), checks=CHECKS)


def test_an_accepted_upload_and_the_one_after_it_answer_as_the_schema_says(api_world, keep_test_transaction, db):
    """Schemathesis names every file it sends after its field, without an extension, so uploads are refused (400).

    This one is a CSV file, sent as browsers and HTTP libraries send one.
    """
    operation = schema["/api/v1/bulk-uploads/"]["POST"]
    batch = {"purpose": "it_export", "purpose_detail": "Offshore team.", "isp": "nayatel", "vpn_type": "ipsec"}
    for status, row in [(202, b"111.68.98.1"), (409, b"111.68.98.2")]:  # one upload at a time per company
        response = Client(application).post(
            "/api/v1/bulk-uploads/",
            headers={"Authorization": f"Token {api_world.applicant_key}"},
            data={**batch, "file": (io.BytesIO(b"ip\n" + row + b"\n"), "ips.csv", "text/csv")},
        )
        assert response.status_code == status, response.get_data(as_text=True)
        operation.Case(media_type="multipart/form-data", body=batch).validate_response(response, checks=CHECKS)


def test_downloads_answer_the_media_type_they_document_when_asked_for_it(api_world, keep_test_transaction, db):
    downloads = [
        (path, media_type)
        for path, item in schema.raw_schema["paths"].items()
        for media_type in item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        if media_type != "application/json"
    ]
    assert len(downloads) == 5  # export.txt, export.csv, errors.csv, the mobile feed's export.csv, certificate.pdf
    for path, media_type in downloads:
        headers = {**api_world.headers_for(path, "GET"), "Accept": media_type}
        approved = api_world.real_values["reference"][1]
        url = path.replace("{public_id}", api_world.real_values["public_id"][0]).replace("{reference}", approved)
        response = Client(application).get(url, headers=headers)
        assert (response.status_code, response.mimetype) == (200, media_type), path


@pytest.mark.parametrize(
    ("path", "parameter", "time", "status"),
    [
        ("/api/v1/registrations/", "submitted_before", "2026-01-01T00:00:00-22:02", 200),  # past PostgreSQL's ±15:59
        ("/api/v1/registrations/", "submitted_after", "0001-01-01T00:00:00+05:00", 400),  # before year 1 in UTC
        ("/api/v1/whitelist/export.json", "since", "0427-06-06T17:28:08-00:46", 200),  # Karachi was +04:28:12 then
    ],
)
def test_times_with_any_iso_offset_are_answered(api_world, db, api_client, path, parameter, time, status):
    api_client.credentials(HTTP_AUTHORIZATION=api_world.headers_for(path, "GET")["Authorization"])
    response = api_client.get(path, {parameter: time})
    assert response.status_code == status
    if path.endswith(".json"):
        assert json.loads(b"".join(response.streaming_content))["since"] == "0427-06-06T18:14:08+00:00"


def test_an_api_url_that_matches_no_route_is_a_json_404_and_a_page_stays_html(client):
    api = client.get("/api/v1/review/entries/not-a-number/approve/")
    assert (api.status_code, api["Content-Type"]) == (404, "application/json")
    assert api.json() == {
        "detail": "Not found.",
        "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
    }
    page = client.get("/registrations/no/such/page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
