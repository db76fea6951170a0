import re

import pytest
from django.core import mail
from django.db.models import CharField
from django.db.models.functions import Cast
from django.urls import reverse

from applicants.models import Applicant, User
from notifications.models import Notification
from tests.factories import FREELANCER_FORM, PASSWORD, arabic_digits, urdu_digits

pytestmark = pytest.mark.django_db


COMPANY_FORM = {
    "email": "ops@karachisoft.pk",
    "password1": "Karachi-Harbour-2026",
    "password2": "Karachi-Harbour-2026",
    "language": "ur",
    "user_name": "Hamza Qureshi",
    "legal_name": "Karachi Soft (Pvt) Ltd",
    "ntn": "7654321-0",
    "secp_number": "0198765",
    "address": "Shahrah-e-Faisal, Karachi",
    "authorised_person_name": "Hamza Qureshi",
    "authorised_person_cnic": "4210176543211",
    "mobile": "+92 321 7654321",
    "city": "Karachi",
}


def _link_in_last_email(pattern: str) -> str:
    return re.search(rf"https?://[^\s]+{pattern}[^\s]*", mail.outbox[-1].body).group(0)


def test_freelancer_signs_up_confirms_email_and_lands_on_dashboard(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applicants:sign_up_freelancer"), FREELANCER_FORM)
    assert "Check your email" in response.content.decode()
    user = User.objects.get(email="sara@example.pk")
    assert not user.is_active
    assert user.applicant.kind == Applicant.Kind.FREELANCER
    assert user.applicant.cnic == "3520276543211"
    assert str(user.applicant.mobile) == "+92 300 7654321"
    assert mail.outbox[-1].to == ["sara@example.pk"]
    assert Notification.objects.get(event="email_confirmation").status == Notification.Status.SENT

    link = _link_in_last_email("/account/confirm/")
    response = client.get(link.split("testserver")[-1].replace("http://127.0.0.1:8000", ""), follow=True)
    assert response.redirect_chain[-1][0] == reverse("vpn_records:dashboard")
    assert "Your email address is confirmed" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email_confirmed_at


def test_unconfirmed_user_is_told_to_confirm_instead_of_wrong_password(client):
    client.post(reverse("applicants:sign_up_freelancer"), FREELANCER_FORM)
    response = client.post(
        reverse("applicants:login"), {"username": "sara@example.pk", "password": FREELANCER_FORM["password1"]}
    )
    assert "Please confirm your email address first" in response.content.decode()


def test_company_signs_up_with_ntn_and_authorised_person():
    from django.test import Client

    response = Client().post(reverse("applicants:sign_up_company"), COMPANY_FORM)
    assert response.status_code == 200
    applicant = User.objects.get(email="ops@karachisoft.pk").applicant
    assert (applicant.kind, applicant.ntn, applicant.authorised_person_cnic) == (
        "company",
        "7654321-0",
        "4210176543211",
    )


def test_sign_up_stores_a_cnic_ntn_and_mobile_typed_in_urdu_or_arabic_digits_in_ascii(client):
    freelancer = {**FREELANCER_FORM, "cnic": urdu_digits("35202-7654321-1"), "mobile": urdu_digits("0300 7654321")}
    company = {
        **COMPANY_FORM,
        "ntn": urdu_digits("7654321-0"),
        "authorised_person_cnic": arabic_digits("4210176543211"),
        "mobile": arabic_digits("+92 321") + " 7654321",
    }
    client.post(reverse("applicants:sign_up_freelancer"), freelancer)
    client.post(reverse("applicants:sign_up_company"), company)
    as_stored = Cast("mobile", output_field=CharField())  # the column's text, not a PhoneNumber that compares loosely
    stored = Applicant.objects.order_by("pk").values_list("cnic", "ntn", "authorised_person_cnic", as_stored)
    assert list(stored) == [
        ("3520276543211", "", "", "+923007654321"),
        ("", "7654321-0", "4210176543211", "+923217654321"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cnic", "35202-765432-1", "Enter the CNIC as 13 digits"),
        ("cnic", "9520276543211", "province code from 1 to 7"),
        ("mobile", "042 35761234", "landline"),
        ("mobile", "+1 415 555 0100", "Pakistani mobile number"),
        ("password2", "something-else-2026", "The two passwords differ"),
        ("email", "not-an-email", "valid email address"),
    ],
)
def test_sign_up_errors_name_the_field_and_why(client, field, value, message):
    response = client.post(reverse("applicants:sign_up_freelancer"), {**FREELANCER_FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_taken_email_answers_as_for_a_new_one_and_tells_the_owner(
    client, freelancer, django_capture_on_commit_callbacks
):
    taken = {**FREELANCER_FORM, "email": "AYESHA@example.pk"}
    with django_capture_on_commit_callbacks(execute=True):
        for_taken = client.post(reverse("applicants:sign_up_freelancer"), taken)
        for_new = client.post(reverse("applicants:sign_up_freelancer"), FREELANCER_FORM)

    def page(response, email: str) -> str:  # the same but for the address and the per-response CSRF mask
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode().replace(email, "EMAIL"))

    assert for_taken.status_code == for_new.status_code == 200
    assert "Check your email" in for_taken.content.decode()
    assert page(for_taken, "ayesha@example.pk") == page(for_new, "sara@example.pk")
    assert Applicant.objects.count() == 2  # Ayesha's, and Sara's: none made for the taken address
    to_owner = next(message for message in mail.outbox if message.to == ["ayesha@example.pk"])
    assert to_owner.subject == "Someone tried to use your email address"
    assert "/account/password-reset/" in to_owner.body


def test_login_and_logout(client, freelancer):
    response = client.post(reverse("applicants:login"), {"username": freelancer.email, "password": PASSWORD})
    assert response.url == reverse("vpn_records:dashboard")
    response = client.post(reverse("applicants:logout"))
    assert client.get(reverse("vpn_records:dashboard")).status_code == 302


def test_wrong_password_is_refused_clearly(client, freelancer):
    response = client.post(reverse("applicants:login"), {"username": freelancer.email, "password": "nope"})
    assert "The email address or password is not right" in response.content.decode()


def test_password_reset_email_goes_through_the_outbox_and_works(client, freelancer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicants:password_reset"), {"email": freelancer.email})
    assert Notification.objects.get(event="password_reset", user=freelancer).status == "sent"
    path = _link_in_last_email("/account/password-reset/").split("8000", 1)[-1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "New-Secret-Phrase-9", "new_password2": "New-Secret-Phrase-9"})
    assert response.url == reverse("applicants:password_reset_complete")
    freelancer.refresh_from_db()
    assert freelancer.check_password("New-Secret-Phrase-9")


def test_company_user_adds_a_colleague_who_sets_a_password(client, company_user, django_capture_on_commit_callbacks):
    client.force_login(company_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("applicants:team"), {"full_name": "Zara", "email": "zara@induscode.pk"})
    assert response.status_code == 302
    colleague = User.objects.get(email="zara@induscode.pk")
    assert colleague.applicant == company_user.applicant
    assert "Indus Code" in mail.outbox[-1].subject


def test_freelancer_has_no_team_page(client, freelancer):
    client.force_login(freelancer)
    response = client.get(reverse("applicants:team"), follow=True)
    assert "Only company accounts have a team" in response.content.decode()


def test_profile_shows_owner_their_whole_cnic(client, freelancer):
    client.force_login(freelancer)
    assert "35202-1234567-3" in client.get(reverse("applicants:profile")).content.decode()
