from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_registration
from vpn_records import services
from vpn_records.checks import finding_message
from vpn_records.models import DeniedNetwork, IpAllocation, Registration, Status, StatusChange

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "vpn_records/data/delegated-apnic-extended-sample.txt"


@pytest.fixture
def verified(django_capture_on_commit_callbacks):
    """Register and submit; verification runs on commit, as it would in a worker."""

    def register(user, *networks):
        with django_capture_on_commit_callbacks(execute=True):
            registration = make_registration(user=user, networks=networks, submit=True)
        registration.refresh_from_db()
        return registration

    return register


def reasons(registration, network):
    return {r["code"]: r for r in registration.entries.get(network=network).reasons}


def test_overlap_with_another_applicant_fails_without_revealing_them(verified, freelancer, other_applicant):
    theirs = verified(other_applicant, "111.68.96.0/24")
    mine = verified(freelancer, "111.68.96.10", "39.40.1.1")
    conflict = reasons(mine, "111.68.96.10/32")["conflict"]
    assert conflict["severity"] == "fail"
    assert theirs.reference not in finding_message(conflict)
    assert theirs.reference in finding_message(conflict, staff=True)
    assert mine.status == Status.UNDER_REVIEW
    assert mine.entries.get(network="111.68.96.10/32").status == Status.CHANGES_REQUESTED


def test_applicant_never_sees_the_other_reference_on_web_or_api(
    verified, client, freelancer_api, freelancer, other_applicant
):
    theirs = verified(other_applicant, "111.68.96.0/24")
    mine = verified(freelancer, "111.68.96.10")
    client.force_login(freelancer)
    page = client.get(mine.get_absolute_url()).content.decode()
    api = freelancer_api.get(reverse("api:registration-entry-list", args=[mine.reference])).content.decode()
    for text in (page, api):
        assert "overlaps a network another applicant has registered" in text
        assert theirs.reference not in text


def test_withdrawn_entries_do_not_conflict(verified, freelancer, other_applicant):
    theirs = verified(other_applicant, "111.68.96.0/24")
    services.registration_withdraw(registration=theirs, user=other_applicant)
    assert "conflict" not in reasons(verified(freelancer, "111.68.96.10"), "111.68.96.10/32")


def test_own_earlier_registration_only_warns_naming_it(verified, freelancer):
    first = verified(freelancer, "111.68.96.10")
    second = verified(freelancer, "111.68.96.0/24")
    duplicate = reasons(second, "111.68.96.0/24")["duplicate_own"]
    assert duplicate["severity"] == "warn" and first.reference in finding_message(duplicate)
    assert second.status == Status.UNDER_REVIEW


def test_denied_network_fails_with_the_reason_for_staff_only(verified, freelancer, reviewer):
    DeniedNetwork.objects.create(network="111.68.96.0/28", reason="Botnet C2 reported by CERT", created_by=reviewer)
    denied = reasons(verified(freelancer, "111.68.96.10"), "111.68.96.10/32")["denied"]
    assert denied["severity"] == "fail"
    assert "Botnet" not in finding_message(denied) and "Botnet" in finding_message(denied, staff=True)


def test_allocation_data_drives_the_country_check(verified, freelancer):
    call_command("load_ip_allocations", str(SAMPLE), verbosity=0)
    registration = verified(freelancer, "111.68.96.10", "2400:cb00:2049::/48", "8.8.8.8")
    assert reasons(registration, "111.68.96.10/32")["allocated_pk"]["severity"] == "pass"
    assert "Australia" in finding_message(reasons(registration, "2400:cb00:2049::/48")["allocated_abroad"])
    assert reasons(registration, "8.8.8.8/32")["allocation_unknown"]["severity"] == "warn"


def test_shared_cnic_is_flagged_for_staff(verified, freelancer):
    from tests.factories import make_freelancer

    make_freelancer(email="twin@example.pk", cnic=freelancer.applicant.cnic, full_name="Second Account")
    registration = verified(freelancer, "111.68.96.10")
    (finding,) = registration.identity_findings
    assert finding["code"] == "cnic_shared" and "Second Account" in finding_message(finding, staff=True)
    assert registration.status == Status.UNDER_REVIEW


def test_all_failing_goes_back_for_changes_and_resubmission_is_verified_again(
    verified, client, freelancer, django_capture_on_commit_callbacks
):
    registration = verified(freelancer, "192.168.1.10", "10.0.0.0/24")
    assert registration.status == Status.CHANGES_REQUESTED
    client.force_login(freelancer)
    form = {
        "purpose": "freelancing",
        "purpose_detail": "Client work",
        "isp": "ptcl",
        "isp_other": "",
        "vpn_type": "wireguard",
        "networks": "111.68.96.10",
    }
    client.post(reverse("vpn_records:edit", args=[registration.reference]), form)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("vpn_records:submit", args=[registration.reference]))
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    assert [e.network_display for e in registration.entries.all()] == ["111.68.96.10"]


def test_verifying_twice_gives_the_same_result_and_no_duplicate_rows(freelancer):
    registration = make_registration(user=freelancer, networks=["111.68.96.10", "10.1.1.1"], submit=True)
    services.registration_verify(registration_id=registration.pk)
    snapshot = list(registration.entries.values_list("network", "status", "reasons"))
    changes = StatusChange.objects.count()
    assert services.registration_verify(registration_id=registration.pk) is None
    assert list(registration.entries.values_list("network", "status", "reasons")) == snapshot
    assert StatusChange.objects.count() == changes


def test_verifying_a_vanished_registration_does_nothing():
    assert services.registration_verify(registration_id=987654) is None


def test_sweeper_republishes_only_what_has_waited_too_long(freelancer, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        stuck = make_registration(user=freelancer, submit=True)
    fresh = make_registration(user=freelancer, networks=["39.40.1.1"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        swept = services.verification_redispatch_stuck(older_than=timedelta(minutes=5))
    assert swept == [stuck.reference]
    assert Registration.objects.get(pk=stuck.pk).status == Status.UNDER_REVIEW
    assert Registration.objects.get(pk=fresh.pk).status == Status.SUBMITTED


def test_loading_allocations_replaces_the_registry_and_splits_odd_counts(tmp_path):
    call_command("load_ip_allocations", str(SAMPLE), verbosity=0)
    assert IpAllocation.objects.filter(network__net_contains="175.107.150.1", country="PK").exists()
    update = tmp_path / "delegated"
    update.write_text(
        "2|apnic|20261123|2|19830613|20261122|+1000\n"
        "apnic|PK|ipv4|10.0.0.0|768|20260101|allocated|X\n"
        "apnic|PK|ipv4|nonsense|256|20260101|allocated|X\n"
    )
    call_command("load_ip_allocations", str(update), verbosity=0)
    assert sorted(str(a.network) for a in IpAllocation.objects.all()) == ["10.0.0.0/23", "10.0.2.0/24"]


def test_loading_a_file_that_is_not_delegation_data_is_refused_clearly(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello world\n")
    with pytest.raises(CommandError, match="line 1: expected at least 7 fields"):
        call_command("load_ip_allocations", str(junk), verbosity=0)
    with pytest.raises(CommandError, match="is not a file"):
        call_command("load_ip_allocations", str(tmp_path / "missing"), verbosity=0)


def test_findings_are_shown_in_the_readers_language(verified, client, freelancer):
    registration = verified(freelancer, "100.64.3.4")
    client.force_login(freelancer)
    client.cookies["django_language"] = "ur"
    page = client.get(registration.get_absolute_url()).content.decode()
    assert "carrier-grade NAT" not in page
    assert '<bdi dir="ltr">100.64.3.4/32</bdi>' in page


def test_overlaps_of_every_size_are_found_as_a_scan_of_all_would_find_them(freelancer, other_applicant):
    """Small entries come from the btree over their start, large ones from their own GiST: together, all."""
    import ipaddress

    from vpn_records.models import IpEntry
    from vpn_records.verification import gather_contexts

    stored = [
        "111.68.0.0/16", "111.68.96.0/24", "111.68.96.255", "111.68.97.0", "111.68.95.255", "10.0.0.0/8",
        "2400:cb00::/32", "2400:cb00:2049::/48", "2400:cb00:2049:1::/64", "2400:cb00:2049:ffff::1", "::/0",
    ]  # fmt: skip
    theirs = make_registration(user=other_applicant, networks=["111.69.0.1"], submit=True)
    IpEntry.objects.bulk_create(
        IpEntry(registration=theirs, network=ipaddress.ip_network(n), status=Status.UNDER_REVIEW) for n in stored
    )
    probes = [
        ipaddress.ip_network(n)
        for n in [
            "111.68.96.255", "111.68.96.0/25", "111.68.97.0/24", "111.68.95.0/24", "111.67.255.255", "111.68.200.1",
            "2400:cb00:2049::1", "2400:cb00:2049:ffff::/64", "2400:cb00:204a::/48", "2401::1", "203.0.113.9",
        ]
    ]  # fmt: skip
    contexts = gather_contexts(applicant_id=freelancer.applicant_id, networks=probes)
    every = [ipaddress.ip_network(n) for n in [*stored, "111.69.0.1"]]
    for probe in probes:
        expected = sorted(str(n) for n in every if n.version == probe.version and n.overlaps(probe))
        assert sorted(str(n) for _ref, n in contexts[probe].other_applicants) == expected, probe


def test_the_overlap_check_looks_entries_up_through_both_indexes(freelancer):
    import ipaddress

    from vpn_records.verification import _overlaps

    registration = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
    with connection.cursor() as cursor:  # enough entries for the planner to weigh indexes as on a real table
        cursor.execute(
            """INSERT INTO vpn_records_ipentry (registration_id, network, status, reasons, created_at, updated_at)
               SELECT %s, set_masklen('11.0.0.0'::inet + g * 7, 32)::cidr, 'approved', '[]', now(), now()
               FROM generate_series(1, 20000) g""",
            [registration.pk],
        )
        cursor.execute("ANALYZE vpn_records_ipentry")
    captured = {}

    def capture(execute, sql, params, many, context):
        if "WITH p AS" in sql:  # the lookup, not the planner settings around it
            captured.update(sql=sql, params=params)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        _overlaps([ipaddress.ip_network("111.68.96.10/32")], 0)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + captured["sql"], captured["params"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "entry_network_start" in plan and "entry_large_network_range" in plan
