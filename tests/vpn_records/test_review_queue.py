import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applicants.models import PersonalDataView
from core.paging import CappedCountPaginator
from tests.factories import make_company_user, make_registration, urdu_digits
from vpn_records.models import IpEntry, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(freelancer, other_applicant, django_capture_on_commit_callbacks):
    """Three registrations under review, submitted on different days; one draft."""
    company = make_company_user(email="ops@induscode.pk")
    made = {}
    for day, (name, user, networks) in enumerate(
        [
            ("oldest", other_applicant, ["39.40.1.0/24"]),
            ("company", company, ["111.68.96.10", "111.68.96.11"]),
            ("newest", freelancer, ["2400:fc00:1::/48", "10.0.0.1"]),
        ]
    ):
        submitted = timezone.now() - timezone.timedelta(days=3 - day)
        with time_machine.travel(submitted, tick=False), django_capture_on_commit_callbacks(execute=True):
            made[name] = make_registration(user=user, networks=networks, submit=True)
    made["draft"] = make_registration(user=freelancer, networks=["39.40.2.2"])
    return made


def listing(client, url_name: str, **params) -> str:
    return client.get(reverse(url_name), params).content.decode()


def search(client, url_name: str, term: str) -> str:
    """Through the search box, which posts (a CNIC or mobile number never goes into the URL)."""
    return client.post(reverse(url_name), {"_search": "1", "q": term}, follow=True).content.decode()


def references(page: str, queue) -> list[str]:
    found = [(page.find(r.reference), name) for name, r in queue.items() if r.reference in page]
    return [name for _position, name in sorted(found)]


def test_queue_shows_registrations_under_review_oldest_first_with_triage_columns(client, reviewer, queue):
    client.force_login(reviewer)
    page = listing(client, "admin:vpn_records_registration_changelist")
    assert references(page, queue) == ["oldest", "company", "newest"]
    assert "3\xa0days" in page  # the oldest has waited three days
    assert "Company" in page and "Freelancer" in page
    assert "Failures" in page and "Warnings" in page  # newest has a private address; others only warn
    assert Registration.objects.get(pk=queue["company"].pk).entry_count == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "all"}, ["draft", "oldest", "company", "newest"]),
        ({"applicant__kind__exact": "company"}, ["company"]),
        ({"verification_outcome__exact": "fail"}, ["newest"]),
    ],
)
def test_queue_filters(client, reviewer, queue, params, expected):
    client.force_login(reviewer)
    assert sorted(references(listing(client, "admin:vpn_records_registration_changelist", **params), queue)) == sorted(
        expected
    )


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("111.68.96.11", ["company"]),
        ("111.68.96.0/24", ["company"]),
        ("39.40.0.0/16", ["oldest"]),
        ("2400:fc00:1:2::9", ["newest"]),
        ("ops@induscode.pk", ["company"]),
        ("ayesha@example.pk", ["newest"]),
        ("35202-1234567-3", ["newest"]),
        ("3520212345673", ["newest"]),
        ("61101-1234567-1", ["company"]),
        ("1234567-8", ["company"]),
        ("indus code", ["company"]),
        ("0321 1234567", ["company"]),
        ("+923211234567", ["company"]),
        ("03001234567", ["oldest", "newest"]),  # the two freelancers share a number
        (urdu_digits("111.68.96.11"), ["company"]),
        (urdu_digits("1234567-8"), ["company"]),  # an NTN
    ],
)
def test_queue_search_by_ip_network_email_cnic_ntn_mobile_and_name(client, reviewer, queue, term, expected):
    client.force_login(reviewer)
    page = search(client, "admin:vpn_records_registration_changelist", term)
    assert references(page, queue) == expected


def test_queue_search_by_reference(client, reviewer, queue):
    client.force_login(reviewer)
    page = listing(client, "admin:vpn_records_registration_changelist", q=queue["company"].reference.lower())
    assert references(page, queue) == ["company"]


def test_entry_list_search_by_ip_finds_containing_networks(client, reviewer, queue):
    client.force_login(reviewer)
    page = listing(client, "admin:vpn_records_ipentry_changelist", q="39.40.1.200")
    assert "39.40.1.0/24" in page and "111.68.96.10" not in page


def test_counts_are_capped_so_big_tables_are_never_counted_whole(queue, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    assert CappedCountPaginator(IpEntry.objects.all(), 50).count == 3  # at most CAP + 1


def test_cnic_is_masked_in_lists_whole_on_the_detail_page_and_the_viewing_recorded(client, supervisor, queue):
    client.force_login(supervisor)
    applicant = queue["newest"].applicant
    listing_page = listing(client, "admin:applicants_applicant_changelist")
    assert "35202-*******-3" in listing_page and "35202-1234567-3" not in listing_page
    assert not PersonalDataView.objects.exists()
    detail = client.get(reverse("admin:applicants_applicant_change", args=[applicant.pk])).content.decode()
    assert "35202-1234567-3" in detail
    view = PersonalDataView.objects.get()
    assert (view.viewer, view.applicant) == (supervisor, applicant)


def test_dashboard_shows_counts_flow_median_and_oldest_waiting(client, reviewer, queue):
    from vpn_records import services

    newest = queue["newest"]
    services.registration_decide(registration=newest, actor=reviewer, approve=False, reason="Not assigned.")
    client.force_login(reviewer)
    assert reverse("admin:dashboard") in client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("admin:dashboard")).content.decode()
    assert '<th scope="row">Under review</th><td>2</td>' in page
    assert '<th scope="row">Rejected</th><td>1</td>' in page
    assert "24.0 hours" in page  # submitted a day ago, decided now
    assert queue["oldest"].reference in page
    assert page.count("<rect") == 60  # 30 days, two bars each


def test_dashboard_is_for_staff_who_may_view_registrations(client, freelancer):
    client.force_login(freelancer)
    assert client.get(reverse("admin:dashboard")).status_code == 302
