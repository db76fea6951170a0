"""The four kinds of break schemathesis found from outside, each as the request it sent (tests/integration/
test_api_contract.py runs schemathesis itself against a live server)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_registration, token_for

pytestmark = pytest.mark.django_db


def test_an_empty_date_time_filter_is_400_naming_it(freelancer_api, freelancer):
    make_registration(user=freelancer)
    response = freelancer_api.get("/api/v1/registrations/?submitted_before=")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "submitted_before",
            "code": "blank",
            "message": "“submitted_before” is empty: give a value or leave it out.",
        }
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [("page_size=null&page_size=null", "repeated"), ("page_size=null", "invalid"), ("page_size=501", "invalid"),
     ("page_size=0", "invalid"), ("page=0", "invalid"), ("status=approved&status=", "blank")],
)  # fmt: skip
def test_a_bad_paging_or_filter_parameter_is_400_naming_it(freelancer_api, freelancer, query, code):
    registration = make_registration(user=freelancer)
    response = freelancer_api.get(f"/api/v1/registrations/{registration.reference}/entries/?{query}")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == (query.split("=")[0], code)


def test_registering_takes_json_only_and_says_so(freelancer_api):
    body = {"purpose": "freelancing", "purpose_detail": "Client work.", "isp": "ptcl", "vpn_type": "wireguard"}
    as_form = freelancer_api.post(reverse("api:registration-list"), body, format="multipart")
    assert as_form.status_code == 415
    assert as_form.json()["errors"][0]["code"] == "unsupported_media_type"
    schema = freelancer_api.get("/api/schema/?format=json").json()
    offered = schema["paths"]["/api/v1/registrations/"]["post"]["requestBody"]["content"]
    assert list(offered) == ["application/json"]
    upload = schema["paths"]["/api/v1/bulk-uploads/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/registrations/X/entries/null,null/", "/api/v1/review/entries/abc/approve/", "/api/v1/nothing"]
)
def test_a_path_no_route_takes_is_the_json_404_even_with_debug(freelancer_api, settings, debug, path):
    settings.DEBUG = debug
    response = freelancer_api.get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["errors"] == [{"field": None, "code": "not_found", "message": "Not found."}]


@pytest.mark.parametrize("token", [True, False])
def test_an_undeclared_method_is_405_with_allow_whoever_asks(api_client, freelancer, token):
    if token:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(freelancer)}")
    response = api_client.generic("TRACE", reverse("api:token"))
    assert response.status_code == 405
    assert response["Allow"] == "POST, DELETE, OPTIONS"
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_a_wrong_query_is_refused_only_after_the_caller_may_ask(api_client):
    response = api_client.get("/api/v1/registrations/?page_size=null")
    assert response.status_code == 401


def test_the_schema_links_a_registration_from_creation_to_withdrawal_and_an_upload_to_its_cancellation(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    operation_ids = {op["operationId"] for item in paths.values() for op in item.values() if isinstance(op, dict)}
    created = paths["/api/v1/registrations/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} == {
        "registrations_retrieve", "registrations_entries_list", "registrations_withdraw_create",
    }  # fmt: skip
    assert created["GetRegistration"]["parameters"] == {"reference": "$response.body#/reference"}
    uploaded = paths["/api/v1/bulk-uploads/"]["post"]["responses"]["202"]["links"]
    assert {link["operationId"] for link in uploaded.values()} == {
        "bulk_uploads_retrieve", "bulk_uploads_errors_csv", "bulk_uploads_cancel_create",
    }  # fmt: skip
    every_link = [
        link
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        for link in response.get("links", {}).values()
    ]
    assert every_link and all(link["operationId"] in operation_ids for link in every_link)
