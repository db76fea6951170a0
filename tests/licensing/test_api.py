"""A company applies for a VPN service provider licence over the API; staff recommend and, four eyes later, grant;
its gateways reach the whitelist under the licence number and leave it when the licence is suspended."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from licensing import services
from licensing.models import LicenceApplication, LicenceChange, LicenceDocumentView
from tests.factories import make_operator, make_registration, token_for
from vpn_records import services as registrations
from vpn_records.models import Kind, Registration, Status

from .conftest import (
    NATIONWIDE,
    add_documents,
    another_company,
    apply,
    client_for,
    granted,
    review,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_api(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(make_operator())}")
    return api_client


def check(client, ip: str) -> dict:
    return client.get(reverse("api:whitelist-check"), {"ip": ip}).json()


def export_json(client, **params) -> dict:
    response = client.get(reverse("api:whitelist-export-json"), params)
    return json.loads(b"".join(response.streaming_content))


def test_the_whole_path_from_application_to_whitelist_and_suspension(
    company_api, reviewer_api, supervisor_api, supervisor, operator_api, django_capture_on_commit_callbacks
):
    created = apply(company_api)
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert created.json()["fee"] == 300000
    application_id = created.json()["id"]
    add_documents(company_api, application_id)
    listed = company_api.get(reverse("api:licence-application-documents", args=[application_id])).json()
    assert sorted(document["kind"] for document in listed["results"]) == [
        "incorporation",
        "technical_proposal",
        "undertaking",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        submitted = company_api.post(reverse("api:licence-application-submit", args=[application_id]))
    assert submitted.json()["status"] == "submitted"

    assert review(reviewer_api, application_id, "recommend", reason="Complete and in order.").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        grant = review(supervisor_api, application_id, "grant")
    assert grant.status_code == 200
    year = timezone.localdate().year
    assert grant.json()["licence_number"] == f"PTA-VPN-CL-{year}-0001"
    assert grant.json()["status"] == "approved"
    assert grant.json()["valid_until"] == timezone.localdate().replace(year=year + 15).isoformat()
    assert "commercial clients" in grant.json()["conditions"]

    register = reverse("api:licensed-providers")
    assert [licence["licence_number"] for licence in company_api.get(register).json()] == [f"PTA-VPN-CL-{year}-0001"]

    answer = check(operator_api, "111.68.96.5")
    assert answer["registered"] is True
    assert answer["reference"] == f"PTA-VPN-CL-{year}-0001"
    assert answer["kind"] == "licensed_provider"
    assert answer["network"] == "111.68.96.0/28"

    # Every change audited with who and why; every member told, in their language.
    changes = list(LicenceChange.objects.filter(application_id=application_id).values_list("to_status", flat=True))
    assert changes == ["submitted", "under_review", "approved"]
    assert any(f"PTA-VPN-CL-{year}-0001" in message.body for message in mail.outbox)
    gateways = Registration.objects.get(licence_number=f"PTA-VPN-CL-{year}-0001")
    assert gateways.kind == Kind.LICENSED_PROVIDER
    assert gateways.reference.startswith("VPN-")
    assert list(gateways.status_changes.filter(entry__isnull=True).values_list("to_status", flat=True)) == [
        "submitted",
        "verifying",
        "under_review",
        "approved",
    ]

    since = timezone.now()
    services.licence_suspend(
        application=LicenceApplication.objects.get(pk=application_id), actor=supervisor, reason="Unpaid annual fee."
    )
    assert check(operator_api, "111.68.96.5")["registered"] is False
    assert export_json(operator_api)["networks"] == []
    assert export_json(operator_api, since=since.isoformat())["removed"] == [{"network": "111.68.96.0/28"}]
    assert company_api.get(register).json() == []


def test_fee_is_per_province_outside_nationwide_scope(company_api):
    response = apply(company_api, scope="provinces", provinces=["punjab", "sindh"])
    assert response.status_code == 201
    assert response.json()["fee"] == 200000
    assert response.json()["provinces"] == ["punjab", "sindh"]


def test_one_account_cannot_both_recommend_and_grant(company_api, reviewer_and_supervisor, supervisor_api):
    application_id = submitted_application(company_api)
    both = client_for(reviewer_and_supervisor)
    assert review(both, application_id, "recommend").status_code == 200

    refused = review(both, application_id, "grant")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "four_eyes"
    assert "another supervisor must grant it" in refused.json()["detail"]

    assert review(supervisor_api, application_id, "grant").status_code == 200


def test_a_reviewer_cannot_grant(company_api, reviewer_api):
    application_id = submitted_application(company_api)
    review(reviewer_api, application_id, "recommend")
    refused = review(reviewer_api, application_id, "grant")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role does not allow this."


def test_an_application_not_yet_recommended_cannot_be_granted(company_api, supervisor_api):
    application_id = submitted_application(company_api)
    refused = review(supervisor_api, application_id, "grant")
    assert refused.status_code == 409
    assert LicenceApplication.objects.get(pk=application_id).licence_number == ""


def test_licence_numbers_follow_each_other(company_api, reviewer_api, supervisor_api):
    first = granted(company_api, reviewer_api, supervisor_api)
    other = client_for(another_company("admin@ravi.pk", "3520198765431"))
    second = granted(other, reviewer_api, supervisor_api, gateways=["39.40.1.0/28"], trade_name="RaviVPN")
    year = timezone.localdate().year
    assert [first["licence_number"], second["licence_number"]] == [
        f"PTA-VPN-CL-{year}-0001",
        f"PTA-VPN-CL-{year}-0002",
    ]


def test_request_for_information_sends_it_back_and_it_is_submitted_again(company_api, reviewer_api):
    application_id = submitted_application(company_api)
    asked = review(reviewer_api, application_id, "request-info", reason="Name the Karachi data centre's operator.")
    assert asked.json()["status"] == "information_requested"
    again = company_api.post(reverse("api:licence-application-submit", args=[application_id]))
    assert again.json()["status"] == "submitted"


def test_refusal_needs_a_reason_and_closes_the_application(company_api, supervisor_api):
    application_id = submitted_application(company_api)
    assert review(supervisor_api, application_id, "refuse").status_code == 400
    refused = review(supervisor_api, application_id, "refuse", reason="Gateways abroad.")
    assert refused.json()["status"] == "rejected"
    assert apply(company_api).status_code == 201  # closed: the company may apply again


def test_renewal_extends_the_licence_and_its_gateways(company_api, reviewer_api, supervisor_api, supervisor):
    licence = granted(company_api, reviewer_api, supervisor_api)
    application = LicenceApplication.objects.get(pk=licence["id"])
    ends = application.valid_until
    services.licence_renew(application=application, actor=supervisor)
    application.refresh_from_db()
    assert application.valid_until == ends.replace(year=ends.year + 15)
    assert set(application.gateway_registration.entries.values_list("valid_until", flat=True)) == {
        application.valid_until
    }


def test_revocation_takes_the_gateways_off_at_once(company_api, reviewer_api, supervisor_api, supervisor, operator_api):
    licence = granted(company_api, reviewer_api, supervisor_api)
    application = LicenceApplication.objects.get(pk=licence["id"])
    services.licence_revoke(application=application, actor=supervisor, reason="Data kept abroad.")
    assert check(operator_api, "111.68.96.1")["registered"] is False
    assert application.gateway_registration.entries.get().status == Status.REVOKED


# Bad input, each with a message that says what is wrong.


@pytest.mark.parametrize(
    ("gateway", "field", "words"),
    [
        ("10.0.0.0/24", "gateways[1]", "10.0.0.0/24"),
        ("39.0.0.0/8", "gateways[1]", "/24"),
        ("not a network", "gateways[1]", "not a valid IPv4 or IPv6 address"),
    ],
)
def test_a_bad_gateway_is_refused_naming_it(company_api, gateway, field, words):
    response = apply(company_api, gateways=["111.68.96.0/28", gateway])
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert words in error["message"]


def test_a_gateway_another_applicant_holds_is_refused_without_naming_the_holder(
    company_api, freelancer, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        held = make_registration(user=freelancer, networks=["111.68.96.3"], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        registrations.registration_decide(registration=held, actor=reviewer, approve=True)
    response = apply(company_api)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "gateways[0]"
    assert "registered to another applicant" in error["message"]
    assert held.reference not in json.dumps(response.json())
    assert freelancer.applicant.full_name not in json.dumps(response.json())


def test_an_unknown_province_is_refused_naming_it(company_api):
    response = apply(company_api, scope="provinces", provinces=["punjab", "kashmir-valley"])
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "provinces[1]"
    assert "kashmir-valley" in error["message"]


def test_submitting_without_every_document_names_what_is_missing(company_api):
    application_id = apply(company_api).json()["id"]
    add_documents(company_api, application_id, kinds=["technical_proposal"])
    response = company_api.post(reverse("api:licence-application-submit", args=[application_id]))
    assert response.status_code == 400
    assert "Undertaking" in response.json()["detail"]
    assert "Certificate of incorporation" in response.json()["detail"]
    assert "Technical proposal" not in response.json()["detail"]


def test_a_second_application_while_one_is_open_is_refused(company_api):
    assert apply(company_api).status_code == 201
    second = apply(company_api, trade_name="IndusVPN Two")
    assert second.status_code == 409
    assert "already has a licence application or licence open" in second.json()["detail"]


def test_a_freelancer_is_refused(freelancer_api):
    response = apply(freelancer_api)
    assert response.status_code == 403
    assert "Only a company account can apply" in response.json()["detail"]


def test_a_bad_technical_contact_mobile_is_refused(company_api):
    response = apply(company_api, technical_contact={**NATIONWIDE["technical_contact"], "mobile": "051 2345678"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "technical_contact.mobile"


def test_a_hostile_pdf_is_refused(company_api):
    from tests.evidence.conftest import pdf_bytes, upload

    application_id = apply(company_api).json()["id"]
    response = company_api.post(
        reverse("api:licence-application-documents", args=[application_id]),
        {"kind": "undertaking", "file": upload("undertaking.pdf", pdf_bytes(javascript=True))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "JavaScript" in response.json()["errors"][0]["message"]


def test_another_company_cannot_see_the_application_or_its_documents(company_api, client):
    application_id = apply(company_api).json()["id"]
    add_documents(company_api, application_id, kinds=["undertaking"])
    stranger = another_company("admin@ravi.pk", "3520198765431")
    assert client_for(stranger).get(reverse("api:licence-application-detail", args=[application_id])).status_code == 404
    document = LicenceApplication.objects.get(pk=application_id).documents.get()
    client.force_login(stranger)
    assert client.get(reverse("licensing:document", args=[application_id, document.pk])).status_code == 404


def test_staff_opening_a_document_is_recorded(company_api, client, auditor, company_user):
    application_id = apply(company_api).json()["id"]
    add_documents(company_api, application_id, kinds=["incorporation"])
    document = LicenceApplication.objects.get(pk=application_id).documents.get()
    url = reverse("licensing:document", args=[application_id, document.pk])
    client.force_login(company_user)
    assert client.get(url).status_code == 200
    assert not LicenceDocumentView.objects.exists()
    client.force_login(auditor)
    assert client.get(url).status_code == 200
    assert LicenceDocumentView.objects.get().viewer == auditor


def test_a_licence_past_its_end_expires_and_leaves_the_register(company_api, reviewer_api, supervisor_api):
    from datetime import timedelta

    licence = granted(company_api, reviewer_api, supervisor_api)
    application = LicenceApplication.objects.get(pk=licence["id"])
    assert services.licences_expire(today=application.valid_until) == []
    assert services.licences_expire(today=application.valid_until + timedelta(days=1)) == [licence["licence_number"]]
    application.refresh_from_db()
    assert application.status == "expired"
    assert application.gateway_registration.status == Status.REVOKED
    assert services.licences_expire(today=application.valid_until + timedelta(days=1)) == []


def test_the_gateways_are_the_licences_not_a_registration_the_company_can_change(
    company_api, reviewer_api, supervisor_api, company_user, client
):
    from vpn_records.models import Kind, Registration

    granted(company_api, reviewer_api, supervisor_api)
    gateways = Registration.objects.get(kind=Kind.LICENSED_PROVIDER)
    assert company_api.get("/api/v1/registrations/").json()["results"] == []
    for path in ("", "withdraw/", "renew/"):
        url = f"/api/v1/registrations/{gateways.reference}/{path}"
        answer = company_api.post(url, {}, format="json") if path else company_api.get(url)
        assert answer.status_code == 404
    client.force_login(company_user)
    assert gateways.reference not in client.get("/registrations/").content.decode()
    assert client.get(gateways.get_absolute_url()).status_code == 404
    gateways.refresh_from_db()
    assert gateways.status == "approved"
