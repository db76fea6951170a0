import csv
import io
import ipaddress
import json
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_operator, make_registration, token_for, urdu_digits
from vpn_records import services
from vpn_records.models import Status
from whitelist import queries as whitelist
from whitelist.api import WhitelistCheckAPI
from whitelist.queries import FeedRow

pytestmark = pytest.mark.django_db


@pytest.fixture
def approve(freelancer, reviewer, django_capture_on_commit_callbacks):
    """Register `networks` for the freelancer and approve them all; returns the registration."""

    def approve_networks(*networks: str, user=None):
        with django_capture_on_commit_callbacks(execute=True):
            registration = make_registration(user=user or freelancer, networks=networks, submit=True)
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_decide(registration=registration, actor=reviewer, approve=True)
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED
        return registration

    return approve_networks


@pytest.fixture
def operator(db):
    return make_operator()


@pytest.fixture
def operator_api(api_client, operator):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return api_client


def check(client, ip: str):
    return client.get(reverse("api:whitelist-check"), {"ip": ip})


def export(client, kind: str = "txt", **params):
    response = client.get(reverse(f"api:whitelist-export-{kind}"), params)
    body = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    return response, body


def test_an_address_in_an_approved_network_is_registered_and_nothing_personal_is_said(operator_api, approve):
    registration = approve("111.68.96.10", "39.40.1.0/24")
    response = check(operator_api, "39.40.1.77")
    assert response.status_code == 200
    assert response.json() == {
        "ip": "39.40.1.77",
        "registered": True,
        "network": "39.40.1.0/24",
        "reference": registration.reference,
        "valid_until": registration.valid_until.isoformat(),
        "kind": "registration",
    }
    assert check(operator_api, "111.68.96.10").json()["network"] == "111.68.96.10/32"
    assert check(operator_api, "::ffff:39.40.1.77").json()["ip"] == "39.40.1.77"
    assert check(operator_api, urdu_digits("39.40.1.77")).json()["network"] == "39.40.1.0/24"
    assert check(operator_api, "111.68.96.11").json() == {
        "ip": "111.68.96.11",
        "registered": False,
        "network": None,
        "reference": None,
        "valid_until": None,
        "kind": None,
    }


def test_an_operators_check_is_answered_before_drf_with_the_same_answer(operator_api, approve, monkeypatch):
    approve("39.40.1.0/24")
    fast = [check(operator_api, ip) for ip in ["39.40.1.77", "111.68.96.11"]]
    full_path_answers = []
    original = WhitelistCheckAPI.dispatch
    monkeypatch.setattr(
        WhitelistCheckAPI, "dispatch", lambda *args, **kw: full_path_answers.append(1) or original(*args, **kw)
    )
    assert [check(operator_api, ip).status_code for ip in ["39.40.1.77", "bad"]] == [200, 400]
    assert len(full_path_answers) == 1  # only the bad address went through DRF
    with override_settings(MIDDLEWARE=[m for m in django_settings.MIDDLEWARE if "WhitelistCheckFastPath" not in m]):
        full = [check(operator_api, ip) for ip in ["39.40.1.77", "111.68.96.11"]]
    for answer, expected in zip(fast, full, strict=True):
        assert (answer.status_code, answer.content, answer["Content-Type"], answer["Allow"]) == (
            expected.status_code,
            expected.content,
            expected["Content-Type"],
            expected["Allow"],
        )


def test_a_bad_address_is_answered_in_the_callers_language(operator_api):
    response = operator_api.get(reverse("api:whitelist-check"), {"ip": "999.1.1.1"}, HTTP_ACCEPT_LANGUAGE="ur")
    assert response.status_code == 400
    assert response["Content-Language"] == "ur"
    assert "999.1.1.1" in response.json()["errors"][0]["message"]
    assert "is not an IP address" not in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "code", "text"),
    [
        ({}, "required", "“ip” is required."),
        ({"ip": "999.1.1.1"}, "invalid", "“999.1.1.1” is not an IP address."),
        ({"ip": "39.40.1.0/24"}, "network", "Give one address, not a network"),
        ({"ip": "<script>"}, "invalid", "is not an IP address"),
        ({"ip": "fe80::1%eth0"}, "zone_id", "“fe80::1%eth0” ends in a zone id"),
    ],
)
def test_a_bad_address_is_400_naming_the_parameter(operator_api, query, code, text):
    response = operator_api.get(reverse("api:whitelist-check"), query)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("ip", code)
    assert text in error["message"]


def test_only_approved_unexpired_unrevoked_entries_are_on_the_whitelist(
    operator_api, approve, freelancer, reviewer, supervisor, django_capture_on_commit_callbacks
):
    kept = approve("111.68.96.10")
    revoked = approve("111.68.96.20")
    services.entry_revoke(entry=revoked.entries.get(), actor=supervisor, reason="Misuse reported.")
    yesterday = timezone.localdate() - timedelta(days=1)
    expired = approve("111.68.96.31")
    expired.entries.update(valid_until=yesterday)
    services.approvals_remind_and_expire()
    assert expired.entries.get().status == Status.EXPIRED
    lapsed = approve("111.68.96.30")
    lapsed.entries.update(valid_until=yesterday)  # ended at midnight; the nightly task has not run yet
    withdrawn = approve("111.68.96.40")
    services.registration_withdraw(registration=withdrawn, user=freelancer)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = make_registration(user=freelancer, networks=["111.68.96.50"], submit=True)
        waiting = make_registration(user=freelancer, networks=["111.68.96.60"], submit=True)
    services.registration_decide(registration=rejected, actor=reviewer, approve=False, reason="Not yours.")

    assert check(operator_api, "111.68.96.10").json()["reference"] == kept.reference
    for absent in ["111.68.96.20", "111.68.96.30", "111.68.96.31", "111.68.96.40", "111.68.96.50", "111.68.96.60"]:
        assert check(operator_api, absent).json()["registered"] is False, absent
    assert waiting.entries.get().status == Status.UNDER_REVIEW
    for kind in ["txt", "csv", "json"]:
        _response, body = export(operator_api, kind)
        assert "111.68.96.10/32" in body
        assert not any(f"111.68.96.{n}/32" in body for n in [20, 30, 31, 40, 50, 60]), kind


def test_the_export_lists_every_network_in_three_formats(operator_api, approve):
    first = approve("111.68.96.10", "2400:cb00:2049::/48")
    second = approve("39.40.1.0/24")
    until = first.valid_until.isoformat()

    response, body = export(operator_api, "txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert body == "39.40.1.0/24\n111.68.96.10/32\n2400:cb00:2049::/48\n"

    response, body = export(operator_api, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(body))) == [
        ["network", "reference", "valid_until", "kind"],
        ["39.40.1.0/24", second.reference, until, "registration"],
        ["111.68.96.10/32", first.reference, until, "registration"],
        ["2400:cb00:2049::/48", first.reference, until, "registration"],
    ]

    response, body = export(operator_api, "json")
    feed = json.loads(body)
    assert feed["networks"] == [
        {"network": "39.40.1.0/24", "reference": second.reference, "valid_until": until, "kind": "registration"},
        {"network": "111.68.96.10/32", "reference": first.reference, "valid_until": until, "kind": "registration"},
        {"network": "2400:cb00:2049::/48", "reference": first.reference, "valid_until": until, "kind": "registration"},
    ]
    assert feed["version"] == int(response["X-Whitelist-Version"]) and feed["next_since"]


def test_etag_answers_304_until_the_whitelist_changes(operator_api, approve, supervisor):
    registration = approve("111.68.96.10", "111.68.96.20")
    response, _body = export(operator_api, "txt")
    etag = response["ETag"]
    assert etag and response["Cache-Control"] == "private, no-cache"

    again = operator_api.get(reverse("api:whitelist-export-txt"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert export(operator_api, "csv")[0]["ETag"] != etag  # each format has its own

    services.entry_revoke(entry=registration.entries.get(network="111.68.96.20"), actor=supervisor, reason="Misuse.")
    changed = operator_api.get(reverse("api:whitelist-export-txt"), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"".join(changed.streaming_content) == b"111.68.96.10/32\n"


def test_since_gives_additions_and_removals_for_an_incremental_sync(operator_api, approve, supervisor):
    before = approve("111.68.96.10", "111.68.96.20")
    since = timezone.now()
    services.entry_revoke(entry=before.entries.get(network="111.68.96.20"), actor=supervisor, reason="Misuse.")
    after = approve("39.40.1.0/24")

    _response, body = export(operator_api, "json", since=since.isoformat())
    feed = json.loads(body)
    assert feed["since"] == since.isoformat()
    assert feed["added"] == [
        {
            "network": "39.40.1.0/24",
            "reference": after.reference,
            "valid_until": after.valid_until.isoformat(),
            "kind": "registration",
        }
    ]
    assert feed["removed"] == [{"network": "111.68.96.20/32"}]

    assert export(operator_api, "txt", since=since.isoformat())[1] == "+39.40.1.0/24\n-111.68.96.20/32\n"
    rows = list(csv.reader(io.StringIO(export(operator_api, "csv", since=since.isoformat())[1])))
    assert rows == [
        ["change", "network", "reference", "valid_until", "kind"],
        ["added", "39.40.1.0/24", after.reference, after.valid_until.isoformat(), "registration"],
        ["removed", "111.68.96.20/32", "", "", ""],
    ]
    later = timezone.now()
    assert export(operator_api, "txt", since=later.isoformat())[1] == ""


def test_since_reports_an_approval_that_lapsed_at_midnight_before_the_nightly_task(operator_api, approve):
    registration = approve("111.68.96.10")
    yesterday = timezone.localdate() - timedelta(days=1)
    registration.entries.update(valid_until=yesterday)
    since = timezone.now() - timedelta(days=1)
    assert export(operator_api, "txt", since=since.isoformat())[1] == "-111.68.96.10/32\n"


def test_a_network_approved_again_is_not_reported_removed(operator_api, approve, other_applicant, supervisor):
    first = approve("111.68.96.10")
    since = timezone.now()
    services.entry_revoke(entry=first.entries.get(), actor=supervisor, reason="Moved to a company.")
    approve("111.68.96.10", user=other_applicant)
    assert export(operator_api, "txt", since=since.isoformat())[1] == "+111.68.96.10/32\n"


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"since": "yesterday"}, "since", "“since” must be a date and time with its offset"),
        ({"since": ""}, "since", "“since” is empty"),
        ({"aggregate": "perhaps"}, "aggregate", "“aggregate” must be one of: true, false, 1, 0."),
        ({"since": "2026-01-01T00:00:00Z", "aggregate": "1"}, "aggregate", "Aggregation applies to the whole list"),
    ],
)
def test_bad_export_parameters_are_400_naming_them(operator_api, query, field, text):
    response = operator_api.get(reverse("api:whitelist-export-txt"), query)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == field and text in error["message"]


def test_aggregate_collapses_adjacent_and_nested_networks(operator_api, approve):
    registration = approve("111.68.96.10", "111.68.96.11", "111.68.96.12", "39.40.1.0/25", "39.40.1.128/25")
    nested = registration.entries.get(network="111.68.96.10")
    nested.pk, nested.network = None, ipaddress.ip_network("39.40.1.7/32")  # inside the /24 the two /25s make
    nested.save()
    _response, body = export(operator_api, "txt", aggregate="1")
    assert body == "39.40.1.0/24\n111.68.96.10/31\n111.68.96.12/32\n"
    _response, body = export(operator_api, "json", aggregate="true")
    assert [n["network"] for n in json.loads(body)["networks"]] == [
        "39.40.1.0/24",
        "111.68.96.10/31",
        "111.68.96.12/32",
    ]


networks = st.one_of(
    st.builds(lambda a, p: ipaddress.ip_network(f"{a}/{p}", strict=False), st.ip_addresses(v=4), st.integers(20, 32)),
    st.builds(lambda a, p: ipaddress.ip_network(f"{a}/{p}", strict=False), st.ip_addresses(v=6), st.integers(100, 128)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(networks, max_size=40))
def test_aggregation_covers_exactly_the_same_addresses_in_the_fewest_blocks(found):
    ordered = sorted(found, key=lambda n: (n.version, int(n.network_address), n.prefixlen))
    result = [ipaddress.ip_network(row.network) for row in whitelist.aggregated(FeedRow(str(n)) for n in ordered)]
    expected = [
        *ipaddress.collapse_addresses(n for n in found if n.version == 4),
        *ipaddress.collapse_addresses(n for n in found if n.version == 6),
    ]
    assert result == expected


def test_csv_cells_can_never_run_as_formulas(operator_api, monkeypatch):
    # Nothing an applicant types reaches the feed today; the writer is safe for the day something does.
    hostile = [FeedRow('=HYPERLINK("http://x")', "+SUM(A1)", None), FeedRow("@cmd", "-1", None)]
    monkeypatch.setattr(whitelist, "whitelisted_rows", lambda: iter(hostile))
    _response, body = export(operator_api, "csv")
    assert list(csv.reader(io.StringIO(body)))[1:] == [
        ['\'=HYPERLINK("http://x")', "'+SUM(A1)", "", ""],
        ["'@cmd", "'-1", "", ""],
    ]


def test_the_feed_streams(operator_api, approve):
    approve("111.68.96.10")
    response = operator_api.get(reverse("api:whitelist-export-txt"))
    assert response.streaming and response["X-Whitelist-Next-Since"]


def test_the_check_finds_the_network_through_an_index(approve):
    registration = approve("111.68.96.10")
    with connection.cursor() as cursor:  # enough approved entries for the planner to weigh indexes as on a real table
        cursor.execute(
            """INSERT INTO vpn_records_ipentry
                 (registration_id, network, status, reasons, valid_until, created_at, updated_at)
               SELECT %s, set_masklen('11.0.0.0'::inet + g * 7, 32)::cidr, 'approved', '[]', %s, now(), now()
               FROM generate_series(1, 20000) g""",
            [registration.pk, registration.valid_until],
        )
        cursor.execute("ANALYZE vpn_records_ipentry")
    captured = {}

    def capture(execute, sql, params, many, context):
        if "vpn_records_ipentry" in sql:
            captured.update(sql=sql, params=params)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert whitelist.whitelist_check_in_database(ipaddress.ip_address("11.0.0.70")).network == ipaddress.ip_network(
            "11.0.0.70/32"
        )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured["sql"], captured["params"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "entry_network_range" in plan, plan


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_the_lookup_key_computed_in_python_is_the_databases(address):
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(cidr_key_range(%s::cidr))", [str(address)])
        assert cursor.fetchone()[0] == whitelist.range_key(address)
