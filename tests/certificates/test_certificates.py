"""Certificates: issued on approval, downloaded by the registration's members in English or Urdu, and checked by
anyone at /verify/<code>/ (the page and the API), never showing what identifies or reaches the applicant."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.services import certificate_issue
from core.networks import parse_network
from tests.factories import make_registration
from vpn_records import services
from vpn_records.models import MsisdnProof, Registration, Status
from vpn_records.msisdn import MobileNumber

pytestmark = pytest.mark.django_db
URDU_LETTERS = set("ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنوہھءیے")
# What identifies or reaches the applicants of tests/factories.py: never on a certificate or its check.
FREELANCER_PRIVATE = ["3520212345673", "35202-1234567-3", "+923001234567", "0300", "3001234567", "ayesha@example.pk"]
COMPANY_PRIVATE = ["6110112345671", "+923211234567", "3211234567", "admin@induscode.pk", "1234567-8", "Islamabad"]


@pytest.fixture
def approve(reviewer, django_capture_on_commit_callbacks):
    """Register `networks` (and proved `numbers`) for `user` and approve them all; the registration."""

    def approved(user, *networks: str, numbers=()) -> Registration:
        for msisdn, operator in numbers:
            MsisdnProof.objects.create(
                applicant=user.applicant, msisdn=msisdn, operator=operator, verified_at=timezone.now()
            )
        with django_capture_on_commit_callbacks(execute=True):
            registration = services.registration_create_and_submit(
                user=user,
                purpose="freelancing",
                purpose_detail="Client work for a software house in Germany.",
                isp="ptcl",
                vpn_type="wireguard",
                networks=[parse_network(n) for n in networks],
                numbers=[MobileNumber(*number) for number in numbers],
            )
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_decide(registration=registration, actor=reviewer, approve=True)
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED
        return registration

    return approved


def pdf_url(registration: Registration, lang: str) -> str:
    return reverse("certificates:pdf", args=[registration.reference]) + f"?lang={lang}"


def verify_page(client, certificate: Certificate):
    return client.get(reverse("certificates:verify", args=[certificate.code]))


def verify_api(api_client, certificate: Certificate):
    return api_client.get(reverse("api:certificate-verify", args=[certificate.code]))


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_approval_issues_one_certificate_with_an_unguessable_code(freelancer, approve):
    registration = approve(freelancer, "111.68.96.0/28", "111.68.97.10")
    certificate = Certificate.objects.get(registration=registration)
    assert certificate.valid_until == registration.valid_until
    assert certificate.entry_count == 2
    assert len(certificate.code) >= 22 and registration.reference not in certificate.code
    assert certificate_issue(registration=registration) == certificate  # the same approval: no second one


def test_a_renewal_issues_a_new_certificate_that_supersedes_the_old(freelancer, approve, client):
    registration = approve(freelancer, "111.68.96.0/28")
    first = registration.certificates.get()
    Registration.objects.filter(pk=registration.pk).update(valid_until=registration.valid_until + timedelta(days=365))
    registration.refresh_from_db()
    second = certificate_issue(registration=registration)
    assert second != first and second.valid_until == registration.valid_until
    assert "Superseded by a renewal" in verify_page(client, first).content.decode()
    assert "This certificate is valid." in verify_page(client, second).content.decode()


def test_the_owner_downloads_the_certificate_in_english(freelancer, approve, client):
    registration = approve(freelancer, "111.68.96.0/28", "39.40.1.7")
    client.force_login(freelancer)
    response = client.get(pdf_url(registration, "en"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{registration.reference}-certificate-en.pdf"'
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in [registration.reference, "Ayesha Khan", "111.68.96.0/28", "39.40.1.7", "Freelancing"]:
        assert expected in text
    assert registration.certificates.get().code in text
    for private in FREELANCER_PRIVATE:
        assert private not in text


def test_the_urdu_certificate_is_set_in_nastaliq(freelancer, approve, client):
    registration = approve(freelancer, "111.68.96.0/28")
    client.force_login(freelancer)
    response = client.get(pdf_url(registration, "ur"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{registration.reference}-certificate-ur.pdf"'
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert any("NotoNastaliqUrdu" in font for font in fonts), fonts
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(URDU_LETTERS & set(text)) >= 10
    assert registration.reference in text


def test_the_language_follows_accept_language_without_lang(freelancer, approve, client):
    registration = approve(freelancer, "111.68.96.0/28")
    client.force_login(freelancer)
    url = reverse("certificates:pdf", args=[registration.reference])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ur")
    assert response["Content-Disposition"].endswith('-certificate-ur.pdf"')
    assert client.get(url + "?lang=fr").status_code == 400


def test_another_applicant_gets_404_for_the_certificate(freelancer, other_applicant, approve, client, api_client):
    registration = approve(freelancer, "111.68.96.0/28")
    client.force_login(other_applicant)
    assert client.get(pdf_url(registration, "en")).status_code == 404
    api_client.force_authenticate(other_applicant)
    assert api_client.get(reverse("api:registration-certificate", args=[registration.reference])).status_code == 404


def test_the_api_downloads_the_certificate(freelancer_api, freelancer, approve):
    registration = approve(freelancer, "111.68.96.0/28")
    url = reverse("api:registration-certificate", args=[registration.reference])
    response = freelancer_api.get(url, {"lang": "ur"}, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-certificate-ur.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def revoke_all(registration: Registration, supervisor, django_capture_on_commit_callbacks) -> None:
    for entry in registration.entries.all():
        with django_capture_on_commit_callbacks(execute=True):
            services.entry_revoke(entry=entry, actor=supervisor, reason="Used for something else.")
    registration.refresh_from_db()
    assert registration.status == Status.REVOKED


def test_a_revoked_registration_verifies_as_revoked_without_validity_and_has_no_pdf(
    freelancer, supervisor, approve, client, api_client, freelancer_api, django_capture_on_commit_callbacks
):
    registration = approve(freelancer, "111.68.96.0/28")
    certificate = registration.certificates.get()
    valid_until = certificate.valid_until
    revoke_all(registration, supervisor, django_capture_on_commit_callbacks)

    page = verify_page(client, certificate).content.decode()
    assert "This certificate has been revoked" in page
    assert "Valid until" not in page and str(valid_until.year) not in page.split("Issued on")[1].split("</dl>")[0]
    answer = verify_api(api_client, certificate).json()
    assert (answer["status"], answer["valid_until"]) == ("revoked", None)

    response = freelancer_api.get(reverse("api:registration-certificate", args=[registration.reference]))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "certificate_unavailable"
    assert "Revoked" in response.json()["detail"]
    client.force_login(freelancer)
    page = client.get(pdf_url(registration, "en"))
    assert page.status_code == 409 and "has no certificate to download" in page.content.decode()
    assert (
        freelancer_api.get(reverse("api:registration-detail", args=[registration.reference])).json()["certificate_url"]
        is None
    )


def test_an_expired_approval_has_no_pdf_and_verifies_as_expired(freelancer, approve, freelancer_api, api_client):
    registration = approve(freelancer, "111.68.96.0/28")
    certificate = registration.certificates.get()
    Registration.objects.filter(pk=registration.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    response = freelancer_api.get(reverse("api:registration-certificate", args=[registration.reference]))
    assert response.status_code == 409
    assert verify_api(api_client, certificate).json()["status"] == "expired"


def test_a_withdrawn_approval_no_longer_verifies_as_valid(freelancer, approve, api_client):
    registration = approve(freelancer, "111.68.96.0/28")
    services.registration_withdraw(registration=registration, user=freelancer, reason="No longer needed.")
    answer = verify_api(api_client, registration.certificates.get()).json()
    assert (answer["status"], answer["valid_until"]) == ("withdrawn", None)


def test_the_check_shows_the_certificate_and_nothing_private(freelancer, approve, client, api_client):
    registration = approve(freelancer, "111.68.96.0/28", numbers=[("+923001112233", "jazz")])
    certificate = registration.certificates.get()
    page = verify_page(client, certificate)
    assert page.status_code == 200
    html = page.content.decode()
    for expected in [registration.reference, "Ayesha Khan", "This certificate is valid.", "111.68.96.0/28"]:
        assert expected in html
    assert "+92300*****33" in html
    answer = verify_api(api_client, certificate)
    assert answer.status_code == 200
    body = answer.json()
    assert body["reference"] == registration.reference and body["name"] == "Ayesha Khan"
    assert body["status"] == "valid" and body["valid_until"] == registration.valid_until.isoformat()
    assert {e["entry"] for e in body["entries"]} == {"111.68.96.0/28", "+92300*****33"}
    for private in [*FREELANCER_PRIVATE, "+923001112233", "3001112233"]:
        assert private not in html and private not in answer.content.decode()


def test_a_company_certificate_check_shows_no_address_or_contact(company_user, approve, client, api_client):
    registration = approve(company_user, "111.68.96.0/28")
    certificate = registration.certificates.get()
    html = verify_page(client, certificate).content.decode()
    body = verify_api(api_client, certificate).content.decode()
    assert "Indus Code (Private) Limited" in html and "Indus Code (Private) Limited" in body
    for private in COMPANY_PRIVATE:
        assert private not in html and private not in body


def test_the_check_page_is_in_urdu_too(freelancer, approve, client):
    certificate = approve(freelancer, "111.68.96.0/28").certificates.get()
    client.cookies["django_language"] = "ur"
    html = verify_page(client, certificate).content.decode()
    assert 'lang="ur"' in html and 'dir="rtl"' in html
    assert '<dd dir="ltr">' + certificate.registration.reference in html


def test_an_unknown_code_is_404(client, api_client, db):
    page = client.get(reverse("certificates:verify", args=["no-such-code-at-all"]))
    assert page.status_code == 404 and "Certificate not found" in page.content.decode()
    answer = api_client.get(reverse("api:certificate-verify", args=["no-such-code-at-all"]))
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"


def test_checks_past_the_rate_are_refused_with_429(freelancer, approve, client, api_client, redis_cache, settings):
    certificate = approve(freelancer, "111.68.96.0/28").certificates.get()
    settings.CERTIFICATE_VERIFY_RATE = "3/minute"
    assert [verify_page(client, certificate).status_code for _ in range(2)] == [200, 200]
    assert client.get(reverse("certificates:verify", args=["unknown"])).status_code == 404  # counted the same
    page = verify_page(client, certificate)
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "Too many checks" in page.content.decode()
    answer = verify_api(api_client, certificate)  # the page and the API share the count
    assert answer.status_code == 429 and "Retry-After" in answer


def test_a_large_registration_lists_50_entries_and_counts_the_rest(freelancer, approve, client, api_client):
    networks = [f"111.68.{96 + n // 50}.{n % 50 * 4}/30" for n in range(60)]
    registration = approve(freelancer, *networks)
    certificate = registration.certificates.get()
    assert certificate.entry_count == 60
    body = verify_api(api_client, certificate).json()
    assert (len(body["entries"]), body["entries_more"]) == (50, 10)
    assert "and 10 more" in verify_page(client, certificate).content.decode()
    client.force_login(freelancer)
    text = pdf_text(b"".join(client.get(pdf_url(registration, "en")).streaming_content))
    assert "and 10 more" in text and "(60)" in text
    assert networks[49] in text and networks[50] not in text


def test_the_registration_api_links_the_certificate_once_approved(freelancer, freelancer_api, approve, reviewer):
    draft = make_registration(user=freelancer, networks=["39.40.1.0/24"])
    before = freelancer_api.get(reverse("api:registration-detail", args=[draft.reference])).json()
    assert (before["certificate_url"], before["verify_url"]) == (None, None)
    registration = approve(freelancer, "111.68.96.0/28")
    after = freelancer_api.get(reverse("api:registration-detail", args=[registration.reference])).json()
    code = registration.certificates.get().code
    assert after["certificate_url"] == "http://testserver" + reverse(
        "api:registration-certificate", args=[registration.reference]
    )
    assert after["verify_url"] == f"http://testserver/verify/{code}/"
    listed = freelancer_api.get(reverse("api:registration-list")).json()["results"]
    assert {r["reference"]: r["verify_url"] for r in listed}[registration.reference] == after["verify_url"]


def test_a_registration_approved_before_certificates_gets_one_on_first_download(freelancer, approve, client):
    registration = approve(freelancer, "111.68.96.0/28")
    registration.certificates.all().delete()
    client.force_login(freelancer)
    page = client.get(registration.get_absolute_url()).content.decode()
    assert "Download the certificate in English (PDF)" in page
    assert client.get(pdf_url(registration, "en")).status_code == 200
    assert registration.certificates.count() == 1
    assert "/verify/" in client.get(registration.get_absolute_url()).content.decode()


def test_the_pdfs_qr_code_decodes_to_the_verify_url_in_both_languages(freelancer, approve, client, settings):
    import zxingcpp
    from PIL import Image

    registration = approve(freelancer, "111.68.96.0/28", "2400:fc00:1::/48")
    certificate = registration.certificates.get()
    client.force_login(freelancer)
    for lang in ("en", "ur"):
        pdf = PdfReader(io.BytesIO(b"".join(client.get(pdf_url(registration, lang)).streaming_content)))
        pictures = [image for page in pdf.pages for image in page.images]
        decoded = [
            barcode.text
            for picture in pictures
            for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture.data)))
        ]
        assert decoded == [settings.SITE_URL + reverse("certificates:verify", args=[certificate.code])]
    text = pdf_text(b"".join(client.get(pdf_url(registration, "en")).streaming_content))
    assert registration.reference in text and "111.68.96.0/28" in text and "2400:fc00:1::/48" in text


def test_a_real_renewal_supersedes_the_old_certificate_and_the_new_one_verifies(
    freelancer, approve, reviewer, client, api_client, settings, django_capture_on_commit_callbacks
):
    settings.RENEWAL_OPENS_DAYS = 400  # open at once
    registration = approve(freelancer, "111.68.96.0/28")
    old = registration.certificates.get()
    with django_capture_on_commit_callbacks(execute=True):
        renewal = services.registration_renew(registration=registration, user=freelancer)
    assert verify_api(api_client, old).json()["status"] == "valid"  # still valid while the renewal waits
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(registration=renewal, actor=reviewer, approve=True)
    assert verify_api(api_client, old).json()["status"] == "superseded"
    assert "Superseded by a renewal" in verify_page(client, old).content.decode()
    new = renewal.certificates.get()
    answer = verify_api(api_client, new).json()
    assert answer["status"] == "valid" and answer["reference"] == renewal.reference
    assert answer["valid_until"] == (registration.valid_until + timedelta(days=365)).isoformat()
