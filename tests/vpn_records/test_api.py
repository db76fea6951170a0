import hashlib

import pytest
from django.urls import reverse

from applicants.models import ApiToken
from tests.factories import PASSWORD, arabic_digits, make_registration, token_for, urdu_digits
from vpn_records import services
from vpn_records.models import Registration, Status

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "purpose": "freelancing",
    "purpose_detail": "Client work",
    "isp": "ptcl",
    "vpn_type": "wireguard",
    "entries": [{"network": "111.68.96.7"}, {"network": "2400:cb00:2049::/48"}],
}


def test_token_from_email_and_password_is_shown_once_and_stored_hashed(api_client, freelancer):
    response = api_client.post(
        reverse("api:token"), {"email": "Ayesha@Example.pk", "password": PASSWORD, "name": "laptop"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == "applicant" and body["name"] == "laptop" and body["expires_at"]
    key = body["token"]
    stored = ApiToken.objects.get(user=freelancer)
    assert key.startswith(stored.prefix) and key not in (stored.digest, stored.prefix)
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api:registration-list")).status_code == 200
    # A second request issues another token; the first is never shown again.
    again = api_client.post(reverse("api:token"), {"email": freelancer.email, "password": PASSWORD}, format="json")
    assert again.json()["token"] != key


def test_a_token_revokes_itself_and_then_stops_working(api_client, freelancer):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
    assert api_client.delete(reverse("api:token")).status_code == 204
    response = api_client.get(reverse("api:registration-list"))
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert (error["code"], error["message"]) == ("token_revoked", "This token was revoked.")


def test_staff_and_operators_cannot_get_a_token_with_a_password(api_client, reviewer):
    response = api_client.post(reverse("api:token"), {"email": reviewer.email, "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "not_applicant"
    assert not ApiToken.objects.exists()


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


def test_networks_in_urdu_or_arabic_digits_are_stored_and_answered_in_ascii(freelancer_api):
    payload = {
        **PAYLOAD,
        "entries": [{"network": urdu_digits("39.32.10.0/24")}, {"network": arabic_digits("39.32.11.7")}],
    }
    response = freelancer_api.post(reverse("api:registration-list"), payload, format="json")
    assert response.status_code == 201
    assert [e["network"] for e in response.json()["entries"]] == ["39.32.10.0/24", "39.32.11.7"]
    stored = Registration.objects.get().entries.order_by("pk").values_list("network", flat=True)
    assert [str(network) for network in stored] == ["39.32.10.0/24", "39.32.11.7/32"]


def test_created_registration_is_verified_after_commit(freelancer_api, django_capture_on_commit_callbacks):
    payload = {**PAYLOAD, "entries": [{"network": "111.68.96.7"}, {"network": "10.1.2.3"}]}
    with django_capture_on_commit_callbacks(execute=True):
        reference = freelancer_api.post(reverse("api:registration-list"), payload, format="json").json()["reference"]
    body = freelancer_api.get(reverse("api:registration-detail", args=[reference])).json()
    assert body["status"] == "under_review"
    assert body["entry_counts"] == {"changes_requested": 1, "under_review": 1}
    entries = freelancer_api.get(body["entries_url"]).json()["results"]
    private = next(e for e in entries if e["network"] == "10.1.2.3")
    assert private["status"] == "changes_requested"
    assert private["reasons"][0]["code"] == "not_public"
    assert "private address space" in private["reasons"][0]["message"]


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"entries": [{"network": "111.68.96.7"}, {"network": "999.1.1.1"}]}, "entries[1].network", "not a valid"),
        ({"entries": [{"network": "111.68.97.0/20"}]}, "entries[0].network", "host bits set"),
        ({"entries": [{"network": "fe80::1%eth0"}]}, "entries[0].network", "ends in a zone id (%eth0)"),
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
    assert "entries" not in body  # a bulk registration's may be a hundred thousand: they are paged
    entries = freelancer_api.get(reverse("api:registration-entry-list", args=[registration.reference])).json()
    assert {e["network"]: e["status"] for e in entries["results"]} == {
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


def test_list_filters_by_status_and_pages_by_size(freelancer_api, freelancer, django_capture_on_commit_callbacks):
    drafts = [make_registration(user=freelancer).reference for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_registration(user=freelancer, networks=["111.68.96.7"], submit=True).reference
    url = reverse("api:registration-list")
    assert [r["reference"] for r in freelancer_api.get(url, {"status": "under_review"}).json()["results"]] == [waiting]
    both = freelancer_api.get(url, {"status": ["under_review", "draft"], "page_size": 2}).json()
    assert both["count"] == 4 and len(both["results"]) == 2 and both["next"]
    assert both["results"][0]["entry_counts"] == {"under_review": 1}
    second = freelancer_api.get(both["next"]).json()
    assert [r["reference"] for r in second["results"]] == drafts[::-1][1:]


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"status": "pending"}, "status", "“status” must be one of: approved, changes_requested, draft,"),
        ({"submitted_after": "last week"}, "submitted_after", "“submitted_after” must be a date and time"),
        ({"page": 99}, None, "Invalid page."),
    ],
)
def test_bad_list_parameters_are_answered_clearly(freelancer_api, freelancer, query, field, text):
    make_registration(user=freelancer)
    response = freelancer_api.get(reverse("api:registration-list"), query)
    assert response.status_code in (400, 404)
    [error] = response.json()["errors"]
    assert error["field"] == field and text in error["message"]


def test_entries_are_paged_with_status_and_each_has_its_history(
    freelancer_api, freelancer, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.7", "111.68.96.8"], submit=True)
    rejected = registration.entries.get(network="111.68.96.8")
    services.entries_decide(entries=[rejected], actor=reviewer, approve=False, reason="Not assigned by your ISP.")
    url = reverse("api:registration-entry-list", args=[registration.reference])
    page = freelancer_api.get(url, {"status": "rejected"}).json()
    assert page["count"] == 1
    [entry] = page["results"]
    assert (entry["network"], entry["status"], entry["decided_at"] is not None) == ("111.68.96.8", "rejected", True)
    detail = freelancer_api.get(reverse("api:registration-entry-detail", args=[registration.reference, entry["id"]]))
    history = detail.json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("draft", "submitted"),
        ("submitted", "verifying"),
        ("verifying", "under_review"),
        ("under_review", "rejected"),
    ]
    assert history[-1]["reason"] == "Not assigned by your ISP."
    other = reverse("api:registration-entry-detail", args=[registration.reference, entry["id"] + 1000])
    assert freelancer_api.get(other).status_code == 404


def test_withdrawing_takes_the_open_entries_along_and_cannot_be_repeated(
    freelancer_api, freelancer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = make_registration(user=freelancer, networks=["111.68.96.7"], submit=True)
    url = reverse("api:registration-withdraw", args=[registration.reference])
    response = freelancer_api.post(url, {"reason": "No longer needed."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn" and response.json()["entry_counts"] == {"withdrawn": 1}
    again = freelancer_api.post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "invalid_transition"


def test_withdrawing_someone_elses_registration_is_404(freelancer_api, other_applicant):
    registration = make_registration(user=other_applicant)
    url = reverse("api:registration-withdraw", args=[registration.reference])
    assert freelancer_api.post(url, {}, format="json").status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.DRAFT
