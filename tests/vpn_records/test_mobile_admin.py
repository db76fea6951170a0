"""Staff review mobile-number entries in the admin: masked in every list, whole on the entry's page (each viewing
recorded for auditors), found by the number however it is typed, barred through a denylist, approved like networks."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from applicants.models import Applicant
from tests.factories import make_registration, urdu_digits
from vpn_records import services
from vpn_records.models import DeniedNumber, IpEntry, MsisdnProof, NumberView, Purpose, Status
from vpn_records.msisdn import MobileNumber

pytestmark = pytest.mark.django_db

NUMBER, MASKED = "+923001234567", "+92300*****67"
# Every way the whole number could appear in a page: E.164, national, and its bare digits.
WHOLE = ("923001234567", "3001234567")


def submit_numbers(user, numbers: list[MobileNumber], capture):
    """A registration of `numbers`, each proved by its SMS code, submitted and verified."""
    for number in numbers:
        MsisdnProof.objects.create(
            applicant=user.applicant, msisdn=number.msisdn, operator=number.operator, verified_at=timezone.now()
        )
    registration = services.registration_create(
        user=user,
        purpose=Purpose.FREELANCING,
        purpose_detail="Client work for a software house in Germany.",
        isp="jazz",
        vpn_type="wireguard",
        networks=[],
        numbers=numbers,
    )
    with capture(execute=True):
        services.registration_submit(registration=registration, user=user)
    registration.refresh_from_db()
    return registration


def mobile_elsewhere(user) -> None:
    """The personas' own mobile is the number registered here: moved, so a search finds the entry, not the person."""
    Applicant.objects.filter(pk=user.applicant_id).update(mobile="+923339876543")


@pytest.fixture
def number_entry(freelancer, django_capture_on_commit_callbacks) -> IpEntry:
    mobile_elsewhere(freelancer)
    registration = submit_numbers(freelancer, [MobileNumber(NUMBER, "jazz")], django_capture_on_commit_callbacks)
    entry = registration.entries.get()
    assert (registration.status, entry.status) == (Status.UNDER_REVIEW, Status.UNDER_REVIEW)
    return entry


@pytest.fixture
def network_registration(other_applicant, django_capture_on_commit_callbacks):
    mobile_elsewhere(other_applicant)
    with django_capture_on_commit_callbacks(execute=True):
        return make_registration(user=other_applicant, networks=["111.68.96.10"], submit=True)


def assert_masked(page: str) -> None:
    assert MASKED in page
    assert [whole for whole in WHOLE if whole in page] == []


def test_lists_show_the_number_masked(client, reviewer, number_entry):
    client.force_login(reviewer)
    registration = number_entry.registration
    for url in (
        reverse("admin:vpn_records_ipentry_changelist"),
        reverse("admin:vpn_records_ipentry_changelist") + "?kind=number&operator__exact=jazz",
        reverse("admin:vpn_records_statuschange_changelist"),
        reverse("admin:vpn_records_registration_change", args=[registration.pk]),
    ):
        assert_masked(client.get(url).text)
    assert registration.reference in client.get(reverse("admin:vpn_records_registration_changelist")).text


def test_the_registration_page_links_each_number_to_its_page_and_masks_its_findings(
    client, reviewer, freelancer, django_capture_on_commit_callbacks
):
    # Zong for a Jazz prefix: a warning that names the number.
    registration = submit_numbers(freelancer, [MobileNumber(NUMBER, "zong")], django_capture_on_commit_callbacks)
    entry = registration.entries.get()
    assert "operator_mismatch" in {finding["code"] for finding in entry.reasons}
    client.force_login(reviewer)
    page = client.get(reverse("admin:vpn_records_registration_change", args=[registration.pk])).text
    assert_masked(page)
    assert f'<bdi dir="ltr">{MASKED}</bdi> has a prefix given to Jazz, not Zong.' in page
    assert f'href="{reverse("admin:vpn_records_ipentry_change", args=[entry.pk])}"' in page
    assert NumberView.objects.count() == 0


def test_the_kind_filter_separates_numbers_from_networks(client, reviewer, number_entry, network_registration):
    client.force_login(reviewer)
    url = reverse("admin:vpn_records_ipentry_changelist")
    numbers, networks = client.get(url, {"kind": "number"}).text, client.get(url, {"kind": "network"}).text
    assert MASKED in numbers and "111.68.96.10" not in numbers
    assert "111.68.96.10" in networks and MASKED not in networks


def test_the_entry_page_shows_the_whole_number_and_records_who_saw_it(
    client, reviewer, number_entry, network_registration
):
    client.force_login(reviewer)
    page = client.get(reverse("admin:vpn_records_ipentry_change", args=[number_entry.pk])).text
    assert f'<bdi dir="ltr">{NUMBER}</bdi>' in page
    assert "Staff will confirm with the operator that the SIM is registered to your CNIC." in page
    assert "Confirm with the operator before approving." in page
    assert "Approving this number confirms that you checked with the operator" in page
    view = NumberView.objects.get()
    assert (view.viewer, view.entry) == (reviewer, number_entry)
    network_entry = network_registration.entries.get()
    client.get(reverse("admin:vpn_records_ipentry_change", args=[network_entry.pk]))
    assert NumberView.objects.count() == 1  # a network is no personal data


def test_auditors_read_who_saw_a_number_and_nobody_changes_it(client, reviewer, auditor, number_entry):
    client.force_login(reviewer)
    client.get(reverse("admin:vpn_records_ipentry_change", args=[number_entry.pk]))
    view = NumberView.objects.get()
    assert client.get(reverse("admin:vpn_records_numberview_changelist")).status_code == 403

    client.force_login(auditor)
    listing = client.get(reverse("admin:vpn_records_numberview_changelist")).text
    assert "reviewer@pta.example" in listing and number_entry.registration.reference in listing
    assert_masked(listing)
    detail = client.get(reverse("admin:vpn_records_numberview_change", args=[view.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.text
    change, delete = (reverse(f"admin:vpn_records_numberview_{page}", args=[view.pk]) for page in ("change", "delete"))
    assert client.post(change, {}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:vpn_records_numberview_add")).status_code == 403
    assert list(NumberView.objects.values_list("viewer__email", flat=True)) == ["reviewer@pta.example"]


def search(client, url_name: str, term: str) -> str:
    """Type `term` in the changelist's search box and press Search."""
    return client.post(reverse(url_name), {"_search": "1", "q": term}, follow=True).text


@pytest.mark.parametrize(
    "term", ["0300-1234567", "+92 300 1234567", "923001234567", "03001234567", urdu_digits("0300 1234567")]
)
def test_staff_find_a_number_however_it_is_typed(client, supervisor, number_entry, network_registration, term):
    client.force_login(supervisor)
    entries = search(client, "admin:vpn_records_ipentry_changelist", term)
    assert MASKED in entries and "111.68.96.10" not in entries
    queue = search(client, "admin:vpn_records_registration_changelist", term)
    assert number_entry.registration.reference in queue and network_registration.reference not in queue


def test_network_and_reference_searches_still_work_beside_numbers(
    client, supervisor, number_entry, network_registration
):
    client.force_login(supervisor)
    entries = search(client, "admin:vpn_records_ipentry_changelist", "111.68.96.10")
    assert "111.68.96.10" in entries and MASKED not in entries
    entries = search(client, "admin:vpn_records_ipentry_changelist", number_entry.registration.reference)
    assert MASKED in entries and "111.68.96.10" not in entries
    other_number = search(client, "admin:vpn_records_ipentry_changelist", "0300 7654321")
    assert MASKED not in other_number


def test_supervisors_deny_a_number_typed_any_way_and_a_bad_one_is_refused(client, supervisor, reviewer):
    url = reverse("admin:vpn_records_deniednumber_add")
    client.force_login(reviewer)
    assert client.post(url, {"msisdn": "0300-1234567", "reason": "Fraud"}).status_code == 403
    client.force_login(supervisor)
    refused = client.post(url, {"msisdn": "042 35761234", "reason": "A landline"})
    assert refused.status_code == 200 and "This looks like a landline" in refused.text
    refused = client.post(url, {"msisdn": "12345", "reason": "Nonsense"})
    assert "Enter a valid mobile number, for example 0300 1234567." in refused.text
    refused = client.post(url, {"msisdn": "call 0300", "reason": "Nonsense"})
    assert "Enter a Pakistani mobile number, such as 0300 1234567." in refused.text
    assert not DeniedNumber.objects.exists()

    assert client.post(url, {"msisdn": urdu_digits("0300-1234567"), "reason": "Fraud"}).status_code == 302
    denied = DeniedNumber.objects.get()
    assert (denied.msisdn, denied.created_by) == (NUMBER, supervisor)
    assert_masked(client.get(reverse("admin:vpn_records_deniednumber_changelist")).text)
    again = client.post(url, {"msisdn": "+92 300 1234567", "reason": "Twice"})
    assert again.status_code == 200 and DeniedNumber.objects.count() == 1
    found = search(client, "admin:vpn_records_deniednumber_changelist", "923001234567")
    assert MASKED in found


def test_a_denied_number_fails_verification(supervisor, freelancer, django_capture_on_commit_callbacks):
    DeniedNumber.objects.create(msisdn=NUMBER, reason="Fraud", created_by=supervisor)
    registration = submit_numbers(freelancer, [MobileNumber(NUMBER, "jazz")], django_capture_on_commit_callbacks)
    entry = registration.entries.get()
    assert "number_denied" in {finding["code"] for finding in entry.reasons}
    assert entry.status == Status.CHANGES_REQUESTED


def test_a_reviewer_approves_a_number_in_the_admin_and_the_audit_names_them(client, reviewer, number_entry):
    client.force_login(reviewer)
    url = reverse("admin:vpn_records_ipentry_changelist")
    done = client.post(url, {"action": "approve", "index": "0", "_selected_action": [number_entry.pk]}, follow=True)
    assert "1 decided." in done.text
    number_entry.refresh_from_db()
    assert number_entry.status == Status.APPROVED and number_entry.valid_until is not None
    approval = number_entry.status_changes.get(to_status=Status.APPROVED)
    assert (approval.actor, approval.subject) == (reviewer, MASKED)
    number_entry.registration.refresh_from_db()
    assert number_entry.registration.status == Status.APPROVED
