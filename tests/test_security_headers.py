"""Headers and cookies (ASVS): a Content-Security-Policy with no inline code on every page, __Host- cookies over
HTTPS, and no caching of the pages that show personal data in full. The suite runs with DEBUG off, as production."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from bulk_uploads import services as bulk
from tests.bulk_uploads.bulk_files import csv_file
from tests.factories import PASSWORD, make_registration
from tests.test_settings import PRODUCTION, ROOT

pytestmark = pytest.mark.django_db

OUR_POLICY = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
DATA_IMAGES = {"img-src": ["'self'", "data:"]}
# Types a browser runs; any other <script> (application/json) is data.
JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def policy_of(response) -> dict[str, list[str]]:
    directives = (directive.split() for directive in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def nonce_in(sources: list[str]) -> str | None:
    nonces = [match[1] for source in sources if (match := re.fullmatch(r"'nonce-(.+)'", source))]
    return nonces[0] if nonces else None


class InlineCode(HTMLParser):
    """The inline scripts, styles and event handlers of a page that its policy's nonces do not allow."""

    def __init__(self, *, script_nonce: str | None, style_nonce: str | None) -> None:
        super().__init__()
        self.nonces = {"script": script_nonce, "style": style_nonce}
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name == "style" or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        runs_inline = tag == "style" or (
            tag == "script" and "src" not in attributes and (attributes.get("type") or "") in JAVASCRIPT_TYPES
        )
        if runs_inline and (self.nonces[tag] is None or attributes.get("nonce") != self.nonces[tag]):
            self.found.append(f"<{tag}> without the response's nonce")


def inline_code_of(response) -> list[str]:
    policy = policy_of(response)
    parser = InlineCode(
        script_nonce=nonce_in(policy.get("script-src", [])), style_nonce=nonce_in(policy.get("style-src", []))
    )
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def registration(freelancer):
    return make_registration(user=freelancer, submit=True)


@pytest.fixture
def upload(company_user):
    batch = {"purpose": "it_export", "purpose_detail": "Offshore team.", "isp": "nayatel", "vpn_type": "ipsec"}
    rows = [["111.68.96.1", "Lahore", "", ""]]
    return bulk.bulk_upload_create(user=company_user, file=csv_file(rows), dispatch=False, **batch)


Fixture = Callable[[str], Any]
PAGES: list[tuple[str, str | None, Callable[[Fixture], str], dict[str, list[str]]]] = [
    # (page, who is signed in, its address from the fixtures it needs, what its policy adds to ours)
    ("home", None, lambda fixture: reverse("home"), {}),
    ("login", None, lambda fixture: reverse("applicants:login"), {}),
    ("sign-up", None, lambda fixture: reverse("applicants:sign_up"), {}),
    ("sign-up form", None, lambda fixture: reverse("applicants:sign_up_freelancer"), {}),
    ("dashboard", "freelancer", lambda fixture: reverse("vpn_records:dashboard"), {}),
    ("registration", "freelancer", lambda fixture: fixture("registration").get_absolute_url(), {}),
    ("bulk upload progress (htmx)", "company_user", lambda fixture: fixture("upload").get_absolute_url(), {}),
    ("profile", "freelancer", lambda fixture: reverse("applicants:profile"), {}),
    ("admin login", None, lambda fixture: reverse("admin:login"), {}),
    ("admin index", "supervisor", lambda fixture: reverse("admin:index"), {}),
    ("review dashboard", "supervisor", lambda fixture: reverse("admin:dashboard"), {}),
    ("admin changelist", "supervisor", lambda fixture: reverse("admin:vpn_records_registration_changelist"), {}),
    (
        "admin applicant",
        "supervisor",
        lambda fixture: reverse("admin:applicants_applicant_change", args=[fixture("freelancer").applicant_id]),
        {},
    ),
    ("Swagger UI", None, lambda fixture: reverse("api-docs"), DATA_IMAGES),
]


@pytest.mark.parametrize(("page", "persona", "address", "additions"), PAGES, ids=[page[0] for page in PAGES])
def test_page_has_our_policy_and_no_inline_code(client, request, page, persona, address, additions):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(address(request.getfixturevalue))
    assert response.status_code == 200
    assert policy_of(response) == OUR_POLICY | additions
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert inline_code_of(response) == []


def test_redoc_adds_only_hashed_styles_data_images_and_blob_workers(client):
    response = client.get(reverse("api-redoc"))
    policy = policy_of(response)
    style_sources = policy.pop("style-src")
    assert policy == OUR_POLICY | DATA_IMAGES | {"worker-src": ["'self'", "blob:"]}
    assert style_sources[0] == "'self'"
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", source) for source in style_sources[1:]), style_sources
    assert inline_code_of(response) == []


def test_swagger_ui_settings_script_is_served_from_its_own_address(client):
    response = client.get(reverse("api-docs"), {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in response.content.decode()


def test_htmx_may_neither_inject_styles_nor_eval(client, company_user, upload):
    client.force_login(company_user)
    html = client.get(upload.get_absolute_url()).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config, "no htmx-config"
    assert json.loads(config[1]) == {"includeIndicatorStyles": False, "allowEval": False}


COOKIE_SETTINGS = [
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
]


def cookie_settings(**env: str) -> dict:
    """The cookie settings as registration_portal/settings.py reads them from these environment variables."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))"
    )
    environment = PRODUCTION | {"DJANGO_SETTINGS_MODULE": "registration_portal.settings"} | env
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_cookies_are_host_prefixed_secure_for_the_whole_site_and_no_domain():
    assert cookie_settings() == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_PATH": "/",
        "CSRF_COOKIE_DOMAIN": None,
    }


@pytest.mark.parametrize(
    "plain_http",
    [{"DEBUG": "1"}, {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0"}],
    ids=["debug", "cookies not secure"],
)
def test_plain_http_runs_keep_djangos_cookie_names(plain_http):
    names = cookie_settings(**plain_http)
    assert (names["SESSION_COOKIE_NAME"], names["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")


def test_signing_in_sets_host_prefixed_cookies_a_browser_accepts(client, settings, freelancer):
    for name, value in cookie_settings().items():
        setattr(settings, name, value)
    response = client.post(reverse("applicants:login"), {"username": freelancer.email, "password": PASSWORD})
    assert response.status_code == 302
    for name in ["__Host-sessionid", "__Host-csrftoken"]:
        set_cookie = response.cookies[name]
        assert (set_cookie["secure"], set_cookie["path"], set_cookie["domain"]) == (True, "/", ""), set_cookie.output()


def cache_control_of(response) -> set[str]:
    return {directive.strip() for directive in response.get("Cache-Control", "").split(",")}


def test_profile_with_cnic_and_mobile_is_never_stored(client, freelancer):
    client.force_login(freelancer)
    assert "no-store" in cache_control_of(client.get(reverse("applicants:profile")))


def test_api_tokens_page_is_never_stored_whether_or_not_a_key_was_just_issued(client, freelancer):
    client.force_login(freelancer)
    assert "no-store" in cache_control_of(client.get(reverse("applicants:api_tokens")))
    issued = client.post(reverse("applicants:api_tokens"), {"issue": "1", "name": "backup script"})
    assert "vpr_" in issued.content.decode()
    assert "no-store" in cache_control_of(issued)


def test_staff_page_with_an_applicants_whole_cnic_is_never_stored(client, supervisor, freelancer):
    client.force_login(supervisor)
    response = client.get(reverse("admin:applicants_applicant_change", args=[freelancer.applicant_id]))
    assert "3520212345673" in response.content.decode().replace("-", "")
    assert "no-store" in cache_control_of(response)
