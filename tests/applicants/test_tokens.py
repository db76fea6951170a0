import hashlib
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.settings import api_settings

from applicants.models import ApiToken, User
from core.rate_limits import revocation_stamp_renew
from tests.factories import PASSWORD, make_operator, token_for

pytestmark = pytest.mark.django_db

APPLICANT_ENDPOINTS = [
    ("get", "api:registration-list", []),
    ("get", "api:bulk-upload-list", []),
]
WHITELIST_ENDPOINTS = [("api:whitelist-check", {"ip": "111.68.96.10"}), ("api:whitelist-export-txt", {})]


@pytest.fixture
def operator(db):
    return make_operator()


def authorised(api_client, user, **fields):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, **fields)}")
    return api_client


@pytest.mark.parametrize(("method", "name", "args"), APPLICANT_ENDPOINTS)
def test_operator_tokens_cannot_read_registrations(api_client, operator, method, name, args):
    response = getattr(authorised(api_client, operator), method)(reverse(name, args=args))
    assert response.status_code == 403
    assert response.json()["detail"] == "Tokens of scope “operator” cannot use this endpoint."


def test_operator_tokens_cannot_decide_entries(api_client, operator):
    response = authorised(api_client, operator).post(reverse("api:review-entry-approve", args=[1]), {})
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "query"), WHITELIST_ENDPOINTS)
def test_applicant_and_staff_tokens_cannot_read_the_feed(api_client, freelancer, reviewer, name, query):
    assert authorised(api_client, freelancer).get(reverse(name), query).status_code == 403
    assert authorised(api_client, reviewer).get(reverse(name), query).status_code == 403


@pytest.mark.parametrize(("name", "query"), WHITELIST_ENDPOINTS)
def test_operators_read_the_feed_and_staff_may_look_from_their_session(
    api_client, client, operator, reviewer, freelancer, name, query
):
    assert authorised(api_client, operator).get(reverse(name), query).status_code == 200
    client.force_login(reviewer)
    assert client.get(reverse(name), query).status_code == 200
    client.force_login(freelancer)
    assert client.get(reverse(name), query).status_code == 403


def test_applicant_tokens_reach_only_their_own_registrations(api_client, freelancer, other_applicant):
    from tests.factories import make_registration

    theirs = make_registration(user=other_applicant)
    api = authorised(api_client, freelancer)
    assert api.get(reverse("api:registration-detail", args=[theirs.reference])).status_code == 404
    assert api.get(reverse("api:registration-entry-list", args=[theirs.reference])).status_code == 404
    assert api.get(reverse("api:registration-list")).json()["count"] == 0


def test_operator_accounts_have_no_password_to_log_in_with(operator):
    assert not operator.has_usable_password()
    assert not operator.check_password("")


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"revoked_at": timezone.now()}, "token_revoked", "This token was revoked."),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "token_expired", "This token has expired"),
    ],
)
def test_revoked_and_expired_tokens_are_refused_with_the_reason(api_client, operator, change, code, message):
    api = authorised(api_client, operator)
    ApiToken.objects.update(**change)
    response = api.get(reverse("api:whitelist-check"), {"ip": "111.68.96.10"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    [error] = response.json()["errors"]
    assert error["code"] == code and message in error["message"]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Token vpr_not-a-real-key", "invalid_token"),
        ("Token two words", "malformed_token"),
        ("Token vpr_\xe9", "invalid_token"),
    ],
)
def test_unknown_or_malformed_tokens_are_401(api_client, header, code):
    response = api_client.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == code


def test_a_disabled_account_loses_its_tokens(api_client, operator):
    api = authorised(api_client, operator)
    operator.is_active = False
    operator.save()
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).json()["errors"][0]["code"] == "account_disabled"


def test_last_use_is_recorded_about_once_a_minute(api_client, operator):
    api = authorised(api_client, operator)
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"})
        first = ApiToken.objects.get().last_used_at
        assert first == timezone.now()
        clock.shift(timedelta(seconds=30))
        api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"})
        assert ApiToken.objects.get().last_used_at == first
        clock.shift(timedelta(seconds=31))
        api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"})
        assert ApiToken.objects.get().last_used_at == first + timedelta(seconds=61)


def test_a_token_is_stored_only_as_its_hash(operator):
    key = token_for(operator)
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(value) for value in ApiToken.objects.values().get().values()}


def test_each_token_is_throttled_on_its_own_with_retry_after(api_client, operator, redis_cache):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "operator": "3/minute"}
    with (
        override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}),
        time_machine.travel(timezone.now(), tick=False),  # one fixed window
    ):
        first = authorised(api_client, operator)
        statuses = [first.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        token = ApiToken.objects.filter(user=operator).latest("id")
        [counter] = redis_cache._cache.get_client().keys(redis_cache.make_key(f"throttle:operator:token{token.pk}:*"))
        assert int(redis_cache._cache.get_client().get(counter)) == 4  # the refused request counted once, not twice
        refused = first.get(reverse("api:whitelist-export-txt"))
        assert refused.status_code == 429
        assert 1 <= int(refused["Retry-After"]) <= 60
        assert re.search(r"Expected available in \d+ seconds?", refused.json()["detail"])
        assert redis_cache._cache.get_client().keys(redis_cache.make_key("throttle:operator:*"))
        second = authorised(api_client, operator)  # another token of the same operator has its own allowance
        assert second.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 200


def test_the_token_endpoint_is_throttled_per_address(api_client, freelancer, redis_cache):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "2/minute"}
    with (
        override_settings(REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}),
        time_machine.travel(timezone.now(), tick=False),
    ):
        attempts = [
            api_client.post(
                reverse("api:token"), {"email": freelancer.email, "password": "guess"}, format="json"
            ).status_code
            for _ in range(3)
        ]
    assert attempts == [400, 400, 429]


def test_supervisor_creates_an_operator_and_issues_a_token_shown_once(client, supervisor):
    client.force_login(supervisor)
    response = client.post(
        reverse("admin:applicants_operatoraccount_add"),
        {"email": "NOC@Nayatel.example", "full_name": "Nayatel NOC", "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    operator = User.objects.get(email="noc@nayatel.example")
    assert operator.is_operator and not operator.has_usable_password() and not operator.is_staff

    expires = (timezone.localtime() + timedelta(days=30)).replace(microsecond=0)
    response = client.post(
        reverse("admin:applicants_apitoken_add"),
        {
            "user": operator.pk,
            "name": "core firewall",
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'value="(vpr_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.scope, token.name, token.created_by) == (
        operator,
        "operator",
        "core firewall",
        supervisor,
    )
    assert token.expires_at == expires
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    page = client.get(reverse("admin:applicants_apitoken_change", args=[token.pk])).content.decode()
    assert token.prefix in page and key not in page

    response = client.post(
        reverse("admin:applicants_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_by == supervisor


def test_a_token_cannot_be_issued_to_an_applicant_in_the_admin(client, supervisor, freelancer):
    client.force_login(supervisor)
    response = client.post(reverse("admin:applicants_apitoken_add"), {"user": freelancer.pk, "name": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("persona", ["reviewer", "auditor"])
def test_only_supervisors_issue_tokens(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("admin:applicants_apitoken_add")).status_code == 403
    assert client.get(reverse("admin:applicants_operatoraccount_add")).status_code == 403


def test_password_token_request_is_refused_for_operators(api_client, operator):
    operator.set_password(PASSWORD)
    operator.save()
    response = api_client.post(reverse("api:token"), {"email": operator.email, "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_applicants_issue_and_revoke_their_tokens_on_their_account_page(client, company_user, company_colleague):
    client.force_login(company_user)
    page = client.post(reverse("applicants:api_tokens"), {"issue": "1", "name": "office server"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    key = re.search(r'value="(vpr_[^"]+)"', page.content.decode()).group(1)
    token = ApiToken.objects.get(user=company_user)
    assert (token.scope, token.name) == ("applicant", "office server")
    assert token.expires_at.date() == (timezone.now() + timedelta(days=90)).date()
    listing = client.get(reverse("applicants:api_tokens")).content.decode()
    assert token.prefix in listing and key not in listing

    client.force_login(company_colleague)  # a colleague sees and revokes only their own
    assert token.prefix not in client.get(reverse("applicants:api_tokens")).content.decode()
    assert client.post(reverse("applicants:api_tokens"), {"revoke": token.pk}).status_code == 404

    client.force_login(company_user)
    client.post(reverse("applicants:api_tokens"), {"revoke": token.pk})
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_by == company_user


def test_a_token_needs_a_name_on_the_account_page(client, freelancer):
    client.force_login(freelancer)
    page = client.post(reverse("applicants:api_tokens"), {"issue": "1", "name": ""})
    assert "This field is required." in page.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_revoked_by_another_process_is_refused_on_the_next_request(api_client, operator, redis_cache, settings):
    settings.API_TOKEN_CACHE_SECONDS = 3600
    api = authorised(api_client, operator)
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())  # the row, as another web process's revocation leaves it
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 200  # this process's copy
    revocation_stamp_renew()  # what that process does once its revocation commits
    refused = api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"})
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == "token_revoked"


def test_disabling_an_account_refuses_its_kept_tokens_at_once(
    api_client, operator, redis_cache, settings, django_capture_on_commit_callbacks
):
    settings.API_TOKEN_CACHE_SECONDS = 3600
    api = authorised(api_client, operator)
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        disabled = User.objects.get(pk=operator.pk)
        disabled.is_active = False
        disabled.save()
    refused = api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"})
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == "account_disabled"


def test_without_a_shared_redis_no_token_is_kept_between_requests(api_client, operator, settings):
    settings.API_TOKEN_CACHE_SECONDS = 3600
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    api = authorised(api_client, operator)
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())  # another process cannot tell this one without Redis
    assert api.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}).status_code == 401


def test_the_quick_start_seeds_operators_and_prints_working_tokens(api_client, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    key = re.search(r"isp@demo.pk API token .*: (vpr_\S+)", out.getvalue()).group(1)
    response = api_client.get(reverse("api:whitelist-check"), {"ip": "1.1.1.1"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and response.json()["registered"] is False
    assert not User.objects.get(email="isp@demo.pk").has_usable_password()
    jazz = re.search(r"jazz@demo.pk API token .*: (vpr_\S+)", out.getvalue()).group(1)
    number = {"msisdn": "03001234567"}
    response = api_client.get(reverse("api:mobile-whitelist-check"), number, HTTP_AUTHORIZATION=f"Token {jazz}")
    assert response.status_code == 200 and response.json()["registered"] is False


@pytest.mark.parametrize("token_id", ["abc", "", "1; DROP"])
def test_revoking_a_token_that_is_not_a_number_is_404_not_500(client, freelancer, token_id):
    client.force_login(freelancer)
    assert client.post(reverse("applicants:api_tokens"), {"revoke": token_id}).status_code == 404
