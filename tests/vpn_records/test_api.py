import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_registration, token_for
from vpn_records.models import Registration, Status

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "purpose": "freelancing",
    "purpose_detail": "Client work",
    "isp": "ptcl",
    "vpn_type": "wireguard",
    "entries": [{"network": "111.68.96.7"}, {"network": "2400:cb00:2049::/48"}],
}


def test_token_from_email_and_password(api_client, freelancer):
    response = api_client.post(
        reverse("api:token"), {"email": "Ayesha@Example.pk", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": token_for(freelancer)}


def test_token_with_wrong_password_is_400_with_a_message(api_client, freelancer):
    response = api_client.post(reverse("api:token"), {"email": freelancer.email, "password": "x"}, format="json")
    assert response.status_code == 400
    assert "not right" in response.json()["errors"][0]["message"]


def test_token_request_missing_fields_names_them(api_client):
    response = api_client.post(reverse("api:token"), {}, format="json")
    assert {e["field"] for e in response.json()["errors"]} == {"email", "password"}


def test_create_registration_submits_and_answers_with_entries(freelancer_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = freelancer_api.post(reverse("api:registration-list"), PAYLOAD, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("VPN-") and body["status"] == "submitted"
    assert [(e["network"], e["status"], e["reasons"]) for e in body["entries"]] == [
        ("111.68.96.7", "submitted", []),
        ("2400:cb00:2049::/48", "submitted", []),
    ]
    assert all(isinstance(e["id"], int) for e in body["entries"])
    assert len(callbacks) == 3  # verification, the email and the SMS: published only after commit


def test_created_registration_is_verified_after_commit(freelancer_api, django_capture_on_commit_callbacks):
    payload = {**PAYLOAD, "entries": [{"network": "111.68.96.7"}, {"network": "10.1.2.3"}]}
    with django_capture_on_commit_callbacks(execute=True):
        reference = freelancer_api.post(reverse("api:registration-list"), payload, format="json").json()["reference"]
    body = freelancer_api.get(reverse("api:registration-detail", args=[reference])).json()
    assert body["status"] == "under_review"
    private = next(e for e in body["entries"] if e["network"] == "10.1.2.3")
    assert private["status"] == "changes_requested"
    assert private["reasons"][0]["code"] == "not_public"
    assert "private address space" in private["reasons"][0]["message"]


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"entries": [{"network": "111.68.96.7"}, {"network": "999.1.1.1"}]}, "entries[1].network", "not a valid"),
        ({"entries": [{"network": "111.68.97.0/20"}]}, "entries[0].network", "host bits set"),
        ({"entries": [{"network": 7}]}, "entries[0].network", "as a string"),
        ({"entries": [{"network": "1.1.1.1"}, {"network": "1.1.1.1/32"}]}, "entries[1].network", "entries[0]"),
        ({"entries": []}, "entries", "may not be empty"),
        ({"purpose": "gaming"}, "purpose", "not a valid choice"),
        ({"vpn_type": None}, "vpn_type", "may not be null"),
    ],
)
def test_bad_payload_errors_carry_field_paths(freelancer_api, change, field, text):
    response = freelancer_api.post(reverse("api:registration-list"), {**PAYLOAD, **change}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert text in errors[0]["message"]
    assert not Registration.objects.exists()


def test_other_isp_without_a_name_is_refused(freelancer_api):
    response = freelancer_api.post(reverse("api:registration-list"), {**PAYLOAD, "isp": "other"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "isp_other"


def test_malformed_json_is_400_not_500(freelancer_api):
    response = freelancer_api.post(reverse("api:registration-list"), "{oops", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_list_shows_only_own_registrations_paginated(freelancer_api, freelancer, other_applicant):
    mine = [make_registration(user=freelancer).reference for _ in range(3)]
    make_registration(user=other_applicant)
    body = freelancer_api.get(reverse("api:registration-list")).json()
    assert body["count"] == 3
    assert [r["reference"] for r in body["results"]] == mine[::-1]
    assert "next" in body and "previous" in body


def test_detail_of_another_applicants_registration_is_404(freelancer_api, other_applicant):
    registration = make_registration(user=other_applicant)
    response = freelancer_api.get(reverse("api:registration-detail", args=[registration.reference]))
    assert response.status_code == 404


def test_detail_shows_entries_and_statuses(freelancer_api, freelancer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.7", "39.40.1.0/24"], submit=True)
    body = freelancer_api.get(reverse("api:registration-detail", args=[registration.reference])).json()
    assert body["reference"] == registration.reference
    assert {e["network"]: e["status"] for e in body["entries"]} == {
        "111.68.96.7": Status.UNDER_REVIEW,
        "39.40.1.0/24": Status.UNDER_REVIEW,
    }


def test_without_token_the_api_answers_401(api_client):
    response = api_client.get(reverse("api:registration-list"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_staff_token_is_refused_by_the_applicant_api(api_client, reviewer):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")
    assert api_client.get(reverse("api:registration-list")).status_code == 403
