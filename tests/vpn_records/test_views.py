import pytest
from django.urls import reverse

from tests.factories import arabic_digits, make_registration, urdu_digits
from vpn_records.models import Registration, Status, StatusChange

pytestmark = pytest.mark.django_db

FORM = {
    "purpose": "freelancing",
    "purpose_detail": "Upwork clients in the UK need me on their VPN.",
    "isp": "nayatel",
    "isp_other": "",
    "vpn_type": "wireguard",
    "networks": "111.68.96.10\n2400:cb00:2049::/48\n",
}


def test_applicant_registers_two_networks_end_to_end(client, freelancer, django_capture_on_commit_callbacks):
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:new"), FORM)
    registration = Registration.objects.get()
    assert response.url == reverse("vpn_records:review", args=[registration.reference])
    assert registration.status == Status.DRAFT
    assert registration.reference.startswith("VPN-20") and len(registration.reference) == 15

    review = client.get(response.url).content.decode()
    assert "Check your answers" in review
    assert "111.68.96.10" in review and "2400:cb00:2049::/48" in review

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("vpn_records:submit", args=[registration.reference]))
    assert response.url == reverse("vpn_records:submitted", args=[registration.reference])
    assert registration.reference in client.get(response.url).content.decode()

    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    assert registration.submitted_at is not None
    dashboard = client.get(reverse("vpn_records:dashboard")).content.decode()
    assert registration.reference in dashboard and "Under review" in dashboard


def test_registration_form_names_each_bad_line(client, freelancer):
    client.force_login(freelancer)
    response = client.post(
        reverse("vpn_records:new"),
        {**FORM, "networks": "111.68.96.10\nfoo\n111.68.96.10\n1.2.3.4/24\nfe80::1%eth0"},
    )
    page = response.content.decode()
    assert "Line 2: “foo” is not a valid IPv4 or IPv6 address" in page
    assert "Line 3: 111.68.96.10 is already on line 1." in page
    assert "Line 4: “1.2.3.4/24” has host bits set after the prefix; the network is 1.2.3.0/24." in page
    assert "Line 5: “fe80::1%eth0” ends in a zone id (%eth0)" in page
    assert not Registration.objects.exists()


def test_networks_typed_in_urdu_or_arabic_digits_are_stored_in_ascii(client, freelancer):
    client.force_login(freelancer)
    networks = urdu_digits("39.32.10.0/24") + "\n" + arabic_digits("39.32.11.7")
    client.post(reverse("vpn_records:new"), {**FORM, "networks": networks})
    stored = Registration.objects.get().entries.order_by("pk").values_list("network", flat=True)
    assert [str(network) for network in stored] == ["39.32.10.0/24", "39.32.11.7/32"]


def test_a_bad_line_in_urdu_digits_is_quoted_as_typed(client, freelancer):
    client.force_login(freelancer)
    typed = urdu_digits("39.32.10.1/24")
    response = client.post(reverse("vpn_records:new"), {**FORM, "networks": typed})
    page = response.content.decode()
    assert f"Line 1: “{typed}” has host bits set after the prefix; the network is 39.32.10.0/24." in page


def test_other_isp_must_be_named(client, freelancer):
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:new"), {**FORM, "isp": "other"})
    assert "Name your ISP when you choose “Other”." in response.content.decode()


def test_other_applicant_gets_404_for_every_registration_page(client, freelancer, other_applicant):
    registration = make_registration(user=freelancer)
    client.force_login(other_applicant)
    for name in ("detail", "edit", "review", "submitted", "withdraw"):
        assert client.get(reverse(f"vpn_records:{name}", args=[registration.reference])).status_code == 404
    assert client.post(reverse("vpn_records:submit", args=[registration.reference])).status_code == 404
    assert registration.reference not in client.get(reverse("vpn_records:dashboard")).content.decode()


def test_company_colleagues_see_each_others_registrations(client, company_user, company_colleague):
    registration = make_registration(user=company_user)
    client.force_login(company_colleague)
    assert registration.reference in client.get(reverse("vpn_records:dashboard")).content.decode()
    assert client.get(registration.get_absolute_url()).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("vpn_records:dashboard"))
    assert response.url.startswith(reverse("applicants:login"))


def test_staff_are_sent_to_the_admin(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("vpn_records:new")).url == reverse("admin:index")


def test_applicant_withdraws_and_the_history_says_so(client, freelancer):
    registration = make_registration(user=freelancer, submit=True)
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:withdraw", args=[registration.reference]), {"reason": "Changed ISP"})
    registration.refresh_from_db()
    assert registration.status == Status.WITHDRAWN
    assert set(registration.entries.values_list("status", flat=True)) == {Status.WITHDRAWN}
    page = client.get(response.url).content.decode()
    assert "has been withdrawn" in page and "Changed ISP" in page
    assert StatusChange.objects.filter(registration=registration, to_status=Status.WITHDRAWN, actor=freelancer).exists()


def test_withdrawing_twice_is_refused_with_a_message(client, freelancer):
    registration = make_registration(user=freelancer)
    client.force_login(freelancer)
    url = reverse("vpn_records:withdraw", args=[registration.reference])
    client.post(url, {})
    response = client.post(url, {}, follow=True)
    assert "cannot go from “Withdrawn” to “Withdrawn”" in response.content.decode()


def test_submitted_registration_cannot_be_edited(client, freelancer):
    registration = make_registration(user=freelancer, submit=True)
    client.force_login(freelancer)
    response = client.post(reverse("vpn_records:edit", args=[registration.reference]), FORM, follow=True)
    assert "can no longer be changed" in response.content.decode()


def test_editing_a_draft_keeps_unchanged_entries(client, freelancer):
    registration = make_registration(user=freelancer, networks=["111.68.96.10", "111.68.96.11"])
    kept = registration.entries.get(network="111.68.96.10/32")
    client.force_login(freelancer)
    client.post(
        reverse("vpn_records:edit", args=[registration.reference]), {**FORM, "networks": "111.68.96.10\n39.40.0.0/24"}
    )
    assert sorted(str(e.network) for e in registration.entries.all()) == ["111.68.96.10/32", "39.40.0.0/24"]
    assert registration.entries.filter(pk=kept.pk).exists()


def test_private_address_comes_back_with_the_reason(client, freelancer, django_capture_on_commit_callbacks):
    client.force_login(freelancer)
    client.post(reverse("vpn_records:new"), {**FORM, "networks": "192.168.1.10\n100.64.12.7"})
    registration = Registration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("vpn_records:submit", args=[registration.reference]))
    registration.refresh_from_db()
    assert registration.status == Status.CHANGES_REQUESTED
    page = client.get(registration.get_absolute_url()).content.decode()
    assert "private address space (RFC 1918)" in page
    assert "carrier-grade NAT" in page
    assert "Change and submit" in page
