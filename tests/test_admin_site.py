"""The shared admin behaviour: searches for personal data stay out of URLs and logs; withheld actions are 403."""

from __future__ import annotations

import logging
import re

import pytest
from django.urls import reverse

from applicants.models import ApiToken, Applicant
from notifications.models import Notification
from tests.factories import arabic_digits, make_operator, make_registration, token_for, urdu_digits
from vpn_records import services
from vpn_records.models import DeniedNetwork, DeniedNumber, IpAllocation, IpEntry, Registration, Status, StatusChange

pytestmark = pytest.mark.django_db

# Any CNIC, or any Pakistani mobile number, however typed or URL-encoded (a space as + or %20, + as %2B, - as %2D).
SEPARATOR = r"(?:\s|\+|-|%20|%2D)?"
CNIC = re.compile(rf"\d{{5}}{SEPARATOR}\d{{7}}{SEPARATOR}\d")
MOBILE = re.compile(rf"(?:(?:\+|%2B)?92|0)?{SEPARATOR}3\d{{2}}{SEPARATOR}\d{{7}}", re.IGNORECASE)


def personal_numbers_in(text: str) -> list[str]:
    return CNIC.findall(text) + MOBILE.findall(text)


@pytest.fixture
def under_review(freelancer, company_user, django_capture_on_commit_callbacks) -> dict[str, Registration]:
    """Freelancer Ayesha (CNIC 35202-1234567-3, mobile 0300 1234567) and Indus Code, whose authorised person's
    CNIC is 61101-1234567-1 and mobile 0321 1234567: a registration each, under review."""
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            "freelancer": make_registration(user=freelancer, networks=["111.68.96.10"], submit=True),
            "company": make_registration(user=company_user, networks=["39.40.1.0/24"], submit=True),
        }
    for registration in made.values():
        registration.refresh_from_db()
        assert registration.status == Status.UNDER_REVIEW
    return made


def search(client, url_name: str, term: str):
    """Type `term` in the changelist's search box and press Search."""
    return client.post(reverse(url_name), {"_search": "1", "q": term}, follow=True)


@pytest.mark.parametrize(
    ("term", "found", "not_found"),
    [
        ("35202-1234567-3", "freelancer", "company"),
        ("3520212345673", "freelancer", "company"),
        ("61101-1234567-1", "company", "freelancer"),
        ("03211234567", "company", "freelancer"),
        ("0321 1234567", "company", "freelancer"),
        ("+923211234567", "company", "freelancer"),
        ("923211234567", "company", "freelancer"),
        ("0321-1234567", "company", "freelancer"),
        (urdu_digits("35202-1234567-3"), "freelancer", "company"),
        (arabic_digits("6110112345671"), "company", "freelancer"),
        (urdu_digits("0321 1234567"), "company", "freelancer"),
    ],
)
def test_cnic_and_mobile_searches_find_registrations_and_applicants_without_the_number_in_a_url_or_log(
    client, supervisor, under_review, caplog, term, found, not_found
):
    caplog.set_level(logging.INFO, logger="portal.access")
    client.force_login(supervisor)
    names = {"freelancer": "Ayesha Khan", "company": "Indus Code (Private) Limited"}

    queue = search(client, "admin:vpn_records_registration_changelist", term)
    applicants = search(client, "admin:applicants_applicant_changelist", term)

    assert under_review[found].reference in queue.text and under_review[not_found].reference not in queue.text
    assert names[found] in applicants.text and names[not_found] not in applicants.text
    for response in (queue, applicants):
        [(url, status)] = response.redirect_chain
        assert status == 302 and "?q=key-" in url
        assert personal_numbers_in(url) == []
        assert f'value="{term}"' in response.text  # the search box shows what was typed, not the key
    access_lines = [record.getMessage() for record in caplog.records if record.name == "portal.access"]
    assert len(access_lines) == 4  # each search: the POST, then the GET it was sent to
    assert [line for line in access_lines if personal_numbers_in(line)] == []


def test_filters_and_pages_keep_a_cnic_search_by_its_key(client, supervisor, under_review):
    client.force_login(supervisor)
    url = reverse("admin:vpn_records_registration_changelist")
    found = search(client, "admin:vpn_records_registration_changelist", "35202-1234567-3")
    key = re.search(r"\?q=(key-[A-Za-z]+)", found.redirect_chain[0][0]).group(1)
    assert f"?q={key}&amp;status=all" in found.text  # the status filter's link keeps the search
    all_statuses = client.get(url, {"q": key, "status": "all", "p": "1"})
    assert under_review["freelancer"].reference in all_statuses.text
    assert under_review["company"].reference not in all_statuses.text
    refined = client.post(url + f"?q={key}", {"_search": "1", "q": "35202-1234567-3", "status": "all"}, follow=True)
    assert refined.redirect_chain[0][0] == f"{url}?status=all&q={key}"  # the same search, the same key


def test_ordinary_terms_are_searched_from_the_url_as_before(client, supervisor, under_review):
    client.force_login(supervisor)
    response = search(client, "admin:vpn_records_registration_changelist", "111.68.96.10")
    assert response.redirect_chain[0][0] == reverse("admin:vpn_records_registration_changelist") + "?q=111.68.96.10"
    assert under_review["freelancer"].reference in response.text
    assert under_review["company"].reference not in response.text


def test_a_cnic_in_the_url_is_not_searched_and_staff_are_told_to_use_the_search_box(client, supervisor, under_review):
    client.force_login(supervisor)
    page = client.get(reverse("admin:vpn_records_registration_changelist"), {"q": "35202-1234567-3"}).text
    assert "CNICs and mobile numbers are not searched from the address bar" in page
    assert under_review["freelancer"].reference not in page and under_review["company"].reference not in page


def test_a_search_key_works_only_in_the_session_that_made_it(client, supervisor, reviewer, under_review):
    client.force_login(supervisor)
    found = search(client, "admin:vpn_records_registration_changelist", "35202-1234567-3")
    shared_link = found.redirect_chain[0][0]
    client.force_login(reviewer)
    page = client.get(shared_link).text
    assert "That search link works only in the session that made it" in page
    assert under_review["freelancer"].reference not in page


def test_actions_still_run_on_a_list_found_by_cnic(client, supervisor, under_review):
    client.force_login(supervisor)
    found = search(client, "admin:vpn_records_ipentry_changelist", "35202-1234567-3")
    listing_url = found.redirect_chain[0][0]
    entry = under_review["freelancer"].entries.get()
    done = client.post(listing_url, {"action": "approve", "index": "0", "_selected_action": [entry.pk]})
    assert done.status_code == 302 and done.url == listing_url
    entry.refresh_from_db()
    assert entry.status == Status.APPROVED


# Every custom action of every admin, and the roles without it (vpn_records/roles.py): reviewers decide;
# supervisors also revoke, resend, manage tokens, the denylist and allocations; auditors only look.
WITHHELD_ACTIONS = [
    ("vpn_records", "registration", "approve", "auditor"),
    ("vpn_records", "registration", "reject", "auditor"),
    ("vpn_records", "registration", "request_changes", "auditor"),
    ("vpn_records", "ipentry", "approve", "auditor"),
    ("vpn_records", "ipentry", "reject", "auditor"),
    ("vpn_records", "ipentry", "revoke", "reviewer"),
    ("vpn_records", "ipentry", "revoke", "auditor"),
    ("applicants", "apitoken", "revoke", "reviewer"),
    ("applicants", "apitoken", "revoke", "auditor"),
    ("notifications", "notification", "resend", "reviewer"),
    ("notifications", "notification", "resend", "auditor"),
    # Django's own action, for the models only supervisors may delete from.
    ("vpn_records", "deniednetwork", "delete_selected", "reviewer"),
    ("vpn_records", "deniednetwork", "delete_selected", "auditor"),
    ("vpn_records", "deniednumber", "delete_selected", "reviewer"),
    ("vpn_records", "deniednumber", "delete_selected", "auditor"),
    ("vpn_records", "ipallocation", "delete_selected", "reviewer"),
    ("vpn_records", "ipallocation", "delete_selected", "auditor"),
]
ACTIONS = sorted({(app, model, action) for app, model, action, _role in WITHHELD_ACTIONS})


@pytest.fixture
def targets(freelancer, other_applicant, supervisor, django_capture_on_commit_callbacks) -> dict[str, int]:
    """One object for each action to act on: an entry waiting in a registration under review, an approved entry,
    an active token, a failed email, a denied network and number, and an allocation."""
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_registration(user=freelancer, networks=["111.68.96.10"], submit=True)
        approved = make_registration(user=other_applicant, networks=["39.40.1.0/24"], submit=True)
    approved_entry = approved.entries.get()
    services.entries_decide(entries=[approved_entry], actor=supervisor, approve=True)
    token_for(make_operator())
    failed = Notification.objects.create(
        user=freelancer, to_address=freelancer.email, channel="email", event="registration_submitted",
        subject="We received it", body_text="…", status="failed", attempts=8, idempotency_key="failed-once",
    )  # fmt: skip
    return {
        "registration": waiting.pk,
        "ipentry": waiting.entries.get().pk,
        "ipentry:revoke": approved_entry.pk,
        "apitoken": ApiToken.objects.get().pk,
        "notification": failed.pk,
        "deniednetwork": DeniedNetwork.objects.create(network="203.0.113.0/24", reason="Abuse.").pk,
        "deniednumber": DeniedNumber.objects.create(msisdn="+923451234567", reason="Fraud.").pk,
        "ipallocation": IpAllocation.objects.create(
            network="39.32.0.0/11", country="PK", registry="apnic", status="allocated"
        ).pk,
    }


def database_state() -> dict[str, list[dict]]:
    models = [Registration, IpEntry, StatusChange, ApiToken, Notification, Applicant]
    models += [DeniedNetwork, DeniedNumber, IpAllocation]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def post_action(client, app: str, model: str, action: str, targets: dict[str, int]):
    """The action as the changelist's form posts it, with what its confirmation page would add, so it would act."""
    target = targets.get(f"{model}:{action}", targets[model])
    form = {
        "action": action, "index": "0", "_selected_action": [target],
        "apply": "1", "standard_reason": "other", "details": "Checked again.",  # decision pages
        "post": "yes",  # delete_selected's confirmation
    }  # fmt: skip
    return client.post(reverse(f"admin:{app}_{model}_changelist"), form)


@pytest.mark.parametrize(("app", "model", "action", "role"), WITHHELD_ACTIONS)
def test_a_withheld_action_is_refused_with_403_and_changes_nothing(
    client, request, targets, django_capture_on_commit_callbacks, app, model, action, role
):
    client.force_login(request.getfixturevalue(role))
    before = database_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(client, app, model, action, targets)
    assert response.status_code == 403
    assert database_state() == before


@pytest.mark.parametrize(("app", "model", "action"), ACTIONS)
def test_the_same_post_from_a_supervisor_acts(
    client, supervisor, targets, django_capture_on_commit_callbacks, app, model, action
):
    """So the refusals above are refusals of requests that would have changed something."""
    client.force_login(supervisor)
    before = database_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(client, app, model, action, targets)
    assert response.status_code == 302
    assert database_state() != before


def test_an_action_the_admin_does_not_have_still_just_says_so(client, supervisor, targets):
    client.force_login(supervisor)
    response = post_action(client, "vpn_records", "ipentry", "no_such_action", targets)
    assert response.status_code == 302
    assert "No action selected." in client.get(response.url).text
