"""Renewal without a gap, and changing an address: each a registration of its own, verified and reviewed, taking
over from the approval it continues only once approved, with the whitelist following every step."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_registration
from vpn_records import services
from vpn_records.models import IpEntry, Registration, Status
from whitelist import queries as whitelist

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(freelancer, reviewer, django_capture_on_commit_callbacks):
    """An approved registration of two networks."""
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.10", "39.40.1.0/24"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(registration=registration, actor=reviewer, approve=True)
    registration.refresh_from_db()
    assert registration.status == Status.APPROVED
    return registration


@pytest.fixture
def decide(reviewer, django_capture_on_commit_callbacks):
    def decided(registration: Registration, *, approve: bool = True) -> Registration:
        registration.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_decide(registration=registration, actor=reviewer, approve=approve, reason="Checked.")
        registration.refresh_from_db()
        return registration

    return decided


def renew_url(registration) -> str:
    return reverse("api:registration-renew", args=[registration.reference])


def listed(address: str):
    return whitelist.whitelist_check_in_database(ipaddress.ip_address(address))


def days_before_end(registration, days: int):
    return time_machine.travel(timezone.make_aware(
        timezone.datetime.combine(registration.valid_until - timedelta(days=days), timezone.datetime.min.time())
    ) + timedelta(hours=12), tick=False)  # fmt: skip


def test_renewal_before_its_window_is_409_naming_the_date(approved, freelancer_api):
    answer = freelancer_api.post(renew_url(approved), {}, format="json")
    assert answer.status_code == 409
    error = answer.json()["errors"][0]
    assert error["code"] == "renewal_not_open"
    opens = approved.valid_until - timedelta(days=60)
    assert opens.strftime("%-d %B %Y") in error["message"]
    detail = freelancer_api.get(reverse("api:registration-detail", args=[approved.reference])).json()
    assert detail["renewal_opens_on"] == opens.isoformat()


def test_a_renewal_keeps_the_entries_listed_until_decided_then_extends_them_without_a_gap(
    approved, freelancer_api, decide, django_capture_on_commit_callbacks
):
    old_end = approved.valid_until
    with days_before_end(approved, 10):
        version = whitelist.whitelist_version()
        with django_capture_on_commit_callbacks(execute=True):
            answer = freelancer_api.post(
                renew_url(approved), {"purpose_detail": "Now also a client in Qatar."}, format="json"
            )
        assert answer.status_code == 201, answer.json()
        body = answer.json()
        assert body["renews"] == approved.reference and body["reference"] != approved.reference
        renewal = Registration.objects.get(reference=body["reference"])
        assert renewal.status == Status.UNDER_REVIEW and renewal.purpose_detail == "Now also a client in Qatar."
        for entry in renewal.entries.all():  # re-verified; overlapping the approval it renews is no duplicate
            assert entry.status == Status.UNDER_REVIEW
            assert "duplicate_own" not in [r["code"] for r in entry.reasons]
        assert whitelist.whitelist_version() > version
        again = freelancer_api.post(renew_url(approved), {}, format="json")
        assert again.status_code == 409 and again.json()["errors"][0]["code"] == "renewal_pending"
    with time_machine.travel(timezone.now() + (old_end - timezone.localdate()) + timedelta(days=20), tick=False):
        # Past the old end, inside the grace: still listed, under the old approval.
        assert listed("111.68.96.10").reference == approved.reference
        version = whitelist.whitelist_version()
        renewal = decide(renewal)
        assert renewal.status == Status.APPROVED
        assert renewal.valid_until == timezone.localdate() + timedelta(days=365)  # the old end had passed
        assert listed("111.68.96.10").reference == renewal.reference
        assert whitelist.whitelist_version() > version
    approved.refresh_from_db()
    assert approved.status == Status.RENEWED
    assert set(approved.entries.values_list("status", flat=True)) == {Status.RENEWED}


def test_renewing_early_loses_no_days(approved, freelancer_api, decide, django_capture_on_commit_callbacks):
    with days_before_end(approved, 30):
        with django_capture_on_commit_callbacks(execute=True):
            body = freelancer_api.post(renew_url(approved), {}, format="json").json()
        renewal = decide(Registration.objects.get(reference=body["reference"]))
    assert renewal.valid_until == approved.valid_until + timedelta(days=365)


def test_dropped_entries_are_not_renewed_and_keep_their_own_end(
    approved, freelancer_api, decide, django_capture_on_commit_callbacks
):
    dropped = approved.entries.get(network="39.40.1.0/24")
    with days_before_end(approved, 10), django_capture_on_commit_callbacks(execute=True):
        body = freelancer_api.post(renew_url(approved), {"drop": [dropped.pk]}, format="json").json()
    renewal = Registration.objects.get(reference=body["reference"])
    assert [str(e.network) for e in renewal.entries.all()] == ["111.68.96.10/32"]
    dropped.refresh_from_db()
    assert dropped.valid_until == approved.valid_until  # not held over
    with days_before_end(approved, 10):
        decide(renewal)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED  # the dropped network is approved until its own end
    assert approved.entries.get(network="111.68.96.10/32").status == Status.RENEWED


@pytest.mark.parametrize("answer", ["unknown", "all"])
def test_dropping_what_is_not_there_or_everything_is_a_clear_400(approved, freelancer_api, answer):
    ids = list(approved.entries.values_list("pk", flat=True))
    drop = [max(ids) + 100] if answer == "unknown" else ids
    with days_before_end(approved, 10):
        response = freelancer_api.post(renew_url(approved), {"drop": drop}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "drop"


def test_a_refused_renewal_gives_back_the_old_end(approved, freelancer_api, decide, django_capture_on_commit_callbacks):
    with days_before_end(approved, 10):
        with django_capture_on_commit_callbacks(execute=True):
            body = freelancer_api.post(renew_url(approved), {}, format="json").json()
        entry = approved.entries.get(network="111.68.96.10/32")
        assert entry.valid_until == approved.valid_until + timedelta(days=30)
        decide(Registration.objects.get(reference=body["reference"]), approve=False)
    entry.refresh_from_db()
    assert (entry.status, entry.valid_until) == (Status.APPROVED, approved.valid_until)


def test_an_undecided_renewal_keeps_them_listed_only_through_the_grace_period(
    approved, freelancer_api, django_capture_on_commit_callbacks
):
    with days_before_end(approved, 10), django_capture_on_commit_callbacks(execute=True):
        assert freelancer_api.post(renew_url(approved), {}, format="json").status_code == 201
    end = approved.valid_until + timedelta(days=30)
    with time_machine.travel(timezone.now() + (end - timezone.localdate()), tick=False):
        assert listed("111.68.96.10") is not None
    with time_machine.travel(timezone.now() + (end - timezone.localdate()) + timedelta(days=1), tick=False):
        assert listed("111.68.96.10") is None


@pytest.mark.parametrize("old_leaves", ["on_approval", "now"])
def test_an_address_change_is_reviewed_and_the_old_network_leaves_when_the_applicant_chose(
    approved, freelancer_api, decide, django_capture_on_commit_callbacks, old_leaves
):
    old = approved.entries.get(network="111.68.96.10/32")
    url = reverse("api:registration-entry-replace", args=[approved.reference, old.pk])
    version = whitelist.whitelist_version()
    with django_capture_on_commit_callbacks(execute=True):
        answer = freelancer_api.post(
            url, {"network": "111.68.96.20", "reason": "PTCL moved us to a new block.", "old_leaves": old_leaves},
            format="json",
        )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    replacement = Registration.objects.get(reference=answer.json()["reference"])
    new = replacement.entries.get()
    assert (new.replaces, new.replace_reason, new.status) == (old, "PTCL moved us to a new block.", Status.UNDER_REVIEW)
    old.refresh_from_db()
    if old_leaves == "now":
        assert old.status == Status.WITHDRAWN and listed("111.68.96.10") is None
        assert whitelist.whitelist_version() > version
    else:
        assert old.status == Status.APPROVED and listed("111.68.96.10") is not None
    version = whitelist.whitelist_version()
    decide(replacement)
    old.refresh_from_db()
    assert old.status == Status.WITHDRAWN
    assert "111.68.96.20" in old.status_changes.latest("id").reason
    assert listed("111.68.96.20").reference == replacement.reference and listed("111.68.96.10") is None
    assert whitelist.whitelist_version() > version


def test_an_address_change_refused_keeps_the_old_network(
    approved, freelancer_api, decide, django_capture_on_commit_callbacks
):
    old = approved.entries.get(network="111.68.96.10/32")
    url = reverse("api:registration-entry-replace", args=[approved.reference, old.pk])
    with django_capture_on_commit_callbacks(execute=True):
        body = freelancer_api.post(url, {"network": "111.68.96.20", "reason": "New block."}, format="json").json()
    decide(Registration.objects.get(reference=body["reference"]), approve=False)
    old.refresh_from_db()
    assert old.status == Status.APPROVED and listed("111.68.96.10") is not None


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [({"network": "111.68.96.10", "reason": "x"}, 400, "network"),
     ({"network": "111.68.96.20", "reason": " "}, 400, "reason"),
     ({"network": "10.0.0.1/33", "reason": "x"}, 400, "network"),
     ({"network": "111.68.96.20", "reason": "x", "old_leaves": "later"}, 400, "old_leaves")],
)  # fmt: skip
def test_bad_address_changes_are_refused_clearly(approved, freelancer_api, payload, status, field):
    old = approved.entries.get(network="111.68.96.10/32")
    answer = freelancer_api.post(
        reverse("api:registration-entry-replace", args=[approved.reference, old.pk]), payload, format="json"
    )
    assert answer.status_code == status
    assert answer.json()["errors"][0]["field"] == field


def test_only_an_approved_network_is_replaced_and_only_once_at_a_time(
    approved, freelancer_api, freelancer, django_capture_on_commit_callbacks
):
    old = approved.entries.get(network="111.68.96.10/32")
    url = reverse("api:registration-entry-replace", args=[approved.reference, old.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            freelancer_api.post(url, {"network": "111.68.96.20", "reason": "New block."}, format="json").status_code
            == 201
        )
    twice = freelancer_api.post(url, {"network": "111.68.96.30", "reason": "New block."}, format="json")
    assert twice.status_code == 409 and twice.json()["errors"][0]["code"] == "replacement_pending"
    draft = make_registration(user=freelancer, networks=["39.40.9.9"])
    entry = draft.entries.get()
    not_approved = freelancer_api.post(
        reverse("api:registration-entry-replace", args=[draft.reference, entry.pk]),
        {"network": "39.40.9.10", "reason": "x"},
        format="json",
    )
    assert not_approved.status_code == 409


def test_expiry_reminders_skip_an_approval_already_being_renewed(
    approved, freelancer_api, django_capture_on_commit_callbacks
):
    with days_before_end(approved, 30):
        with django_capture_on_commit_callbacks(execute=True):
            freelancer_api.post(renew_url(approved), {}, format="json")
        assert services.approvals_remind_and_expire()["reminded"] == []
    assert IpEntry.objects.filter(registration=approved, status=Status.APPROVED).count() == 2


def test_reviewers_see_a_renewal_and_an_address_change_for_what_they_are(
    approved, freelancer_api, client, reviewer, django_capture_on_commit_callbacks
):
    old = approved.entries.get(network="39.40.1.0/24")
    with django_capture_on_commit_callbacks(execute=True):
        change = freelancer_api.post(
            reverse("api:registration-entry-replace", args=[approved.reference, old.pk]),
            {"network": "39.40.2.0/24", "reason": "Nayatel renumbered our office.", "old_leaves": "now"},
            format="json",
        ).json()
    with days_before_end(approved, 10), django_capture_on_commit_callbacks(execute=True):
        renewal = freelancer_api.post(
            renew_url(approved), {"isp": "ptcl", "purpose": "it_export"}, format="json"
        ).json()
    client.force_login(reviewer)
    renewal_page = client.get(
        reverse(
            "admin:vpn_records_registration_change", args=[Registration.objects.get(reference=renewal["reference"]).pk]
        )
    ).content.decode()
    assert "Renewal of" in renewal_page and approved.reference in renewal_page
    assert "IT / software export" in renewal_page  # the purpose changed, and says to what
    change_page = client.get(
        reverse(
            "admin:vpn_records_registration_change", args=[Registration.objects.get(reference=change["reference"]).pk]
        )
    ).content.decode()
    assert "39.40.1.0/24" in change_page and "39.40.2.0/24" in change_page
    assert "Nayatel renumbered our office." in change_page
    queue = reverse("admin:vpn_records_registration_changelist")
    renewals = client.get(queue, {"kind": "renewal", "status": "all"}).content.decode()
    changes = client.get(queue, {"kind": "change", "status": "all"}).content.decode()
    assert renewal["reference"] in renewals and change["reference"] not in renewals
    assert change["reference"] in changes and renewal["reference"] not in changes


def test_on_the_web_an_applicant_renews_choosing_the_entries_to_keep(
    approved, client, freelancer, django_capture_on_commit_callbacks
):
    client.force_login(freelancer)
    page = client.get(approved.get_absolute_url()).content.decode()
    opens = approved.valid_until - timedelta(days=60)
    assert "You can renew this registration from" in page and opens.strftime("%-d %B %Y") in page
    dropped = approved.entries.get(network="39.40.1.0/24")
    kept = approved.entries.get(network="111.68.96.10/32")
    with days_before_end(approved, 10):
        client.force_login(freelancer)  # a session does not last the months before renewal opens
        page = client.get(approved.get_absolute_url()).content.decode()
        assert reverse("vpn_records:renew", args=[approved.reference]) in page
        form = client.get(reverse("vpn_records:renew", args=[approved.reference])).content.decode()
        assert "39.40.1.0/24" in form and "111.68.96.10" in form
        fields = {"purpose": approved.purpose, "purpose_detail": approved.purpose_detail, "isp": approved.isp,
                  "vpn_type": approved.vpn_type, "keep": [str(kept.pk)]}  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reverse("vpn_records:renew", args=[approved.reference]), fields)
        renewal = Registration.objects.get(renews=approved)
        assert answer.status_code == 302 and answer["Location"] == renewal.get_absolute_url()
        assert [str(e.network) for e in renewal.entries.all()] == ["111.68.96.10/32"]
        assert "This renews" in client.get(renewal.get_absolute_url()).content.decode()
        assert "is on its way" in client.get(approved.get_absolute_url()).content.decode()
        nothing = client.post(reverse("vpn_records:renew", args=[approved.reference]), {**fields, "keep": []})
        assert nothing.status_code == 200 and "Keep at least one entry to renew." in nothing.content.decode()
    dropped.refresh_from_db()
    assert dropped.status == Status.APPROVED


def test_on_the_web_an_applicant_changes_an_address(approved, client, freelancer, django_capture_on_commit_callbacks):
    client.force_login(freelancer)
    old = approved.entries.get(network="111.68.96.10/32")
    url = reverse("vpn_records:replace", args=[approved.reference, old.pk])
    assert url in client.get(approved.get_absolute_url()).content.decode()
    bad = client.post(url, {"network": "10.0.0.1/33", "reason": "", "old_leaves": "now"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"network": "111.68.96.20", "reason": "PTCL moved us.", "old_leaves": "on_approval"})
    replacement = Registration.objects.exclude(pk=approved.pk).get()
    assert answer["Location"] == replacement.get_absolute_url()
    assert "This replaces" in client.get(replacement.get_absolute_url()).content.decode()


def test_the_whitelist_copy_in_a_web_process_follows_a_renewal(
    approved, freelancer_api, decide, settings, django_capture_on_commit_callbacks
):
    from whitelist.index import whitelist_index

    settings.WHITELIST_CHECK_FROM_MEMORY, settings.WHITELIST_INDEX_REFRESH_SECONDS = True, 0
    address, today, end = ipaddress.ip_address("111.68.96.10"), timezone.localdate(), approved.valid_until
    assert whitelist_index(today).find(address, end).registration_id == approved.pk
    assert whitelist_index(today).find(address, end + timedelta(days=1)) is None  # it ends with the approval
    with days_before_end(approved, 10), django_capture_on_commit_callbacks(execute=True):
        body = freelancer_api.post(renew_url(approved), {}, format="json").json()
    copy = whitelist_index(today)  # the copy reads the entries the renewal changed
    assert copy.find(address, end + timedelta(days=30)).registration_id == approved.pk  # held over through review
    assert copy.find(address, end + timedelta(days=31)) is None  # letting the grace period pass drops it
    renewal = decide(Registration.objects.get(reference=body["reference"]))
    copy = whitelist_index(today)
    assert copy.find(address, end + timedelta(days=365)).registration_id == renewal.pk  # approval extends it
    assert copy.find(address, end + timedelta(days=366)) is None


def test_a_renewal_stands_on_the_documents_already_given_and_cannot_remove_them(
    freelancer, reviewer, client, settings, django_capture_on_commit_callbacks
):
    from evidence.services import document_add
    from tests.evidence.conftest import png_bytes, upload

    settings.DOCUMENTS_REQUIRED, settings.RENEWAL_OPENS_DAYS = True, 400
    draft = make_registration(user=freelancer, networks=["111.68.96.10"])
    for kind in ("cnic_front", "cnic_back", "work_proof"):
        document_add(registration=draft, user=freelancer, kind=kind, file=upload(f"{kind}.png", png_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_submit(registration=draft, user=freelancer)
    services.registration_decide(registration=draft, actor=reviewer, approve=True)
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        renewal = services.registration_renew(registration=draft, user=freelancer)  # no documents asked for again
    renewal.refresh_from_db()
    assert renewal.status == Status.UNDER_REVIEW
    Registration.objects.filter(pk=renewal.pk).update(status=Status.CHANGES_REQUESTED)  # editable again
    client.force_login(freelancer)
    page = client.get(reverse("vpn_records:review", args=[renewal.reference])).content.decode()
    assert "cnic_front.png" in page and f"/registrations/{draft.reference}/documents/" in page
    assert "/delete/" not in page  # the approval's documents are not the renewal's to remove
