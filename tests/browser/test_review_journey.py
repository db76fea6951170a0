import pytest
from playwright.sync_api import expect

from applicants.demo import DEMO_PASSWORD, seed_demo_data
from applicants.models import User
from tests.factories import make_registration
from vpn_records import services
from vpn_records.models import Registration, Status, StatusChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_finds_a_registration_by_ip_rejects_one_entry_and_approves_the_other(page):
    seed_demo_data()
    applicant = User.objects.get(email="freelancer@demo.pk")
    registration = make_registration(user=applicant, networks=["111.68.96.10", "39.40.7.0/24"], submit=True)
    services.registration_verify(registration_id=registration.pk)
    assert Registration.objects.get(pk=registration.pk).status == Status.UNDER_REVIEW

    page.goto("/admin/")
    page.get_by_label("Email address").fill("reviewer@demo.pk")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/admin/vpn_records/registration/")
    page.locator("#searchbar").fill("39.40.7.99")
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=registration.reference).click()
    page.get_by_role("link", name="Approve or reject these entries").click()

    page.get_by_role("row").filter(has_text="39.40.7.0/24").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("reject")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").select_option("not_assigned")
    page.get_by_label("Details for the applicant").fill("PTCL assigns this block to another customer.")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("1 decided.")).to_be_visible()

    page.get_by_role("row").filter(has_text="111.68.96.10").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 decided.")).to_be_visible()

    registration.refresh_from_db()
    assert registration.status == Status.APPROVED
    assert sorted(registration.entries.values_list("status", flat=True)) == [Status.APPROVED, Status.REJECTED]
    rejection = StatusChange.objects.get(entry__network="39.40.7.0/24", to_status=Status.REJECTED)
    assert rejection.reason == (
        "The address is not assigned to the applicant by their ISP. PTCL assigns this block to another customer."
    )
    assert rejection.actor.email == "reviewer@demo.pk"
