"""A freelancer or company whose VPN is a licensed provider's service names it from the register instead of
registering, and keeps a record of it; an unlicensed provider cannot be named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from licensing.models import LicenceApplication, ProviderUse
from tests.licensing.conftest import granted

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(company_api, reviewer_api, supervisor_api) -> LicenceApplication:
    return LicenceApplication.objects.get(
        licence_number=granted(company_api, reviewer_api, supervisor_api)["licence_number"]
    )


def test_the_registration_form_offers_a_licensed_providers_customers_a_record_instead(client, freelancer, licence):
    client.force_login(freelancer)
    form = client.get(reverse("vpn_records:new")).content.decode()
    assert "Is your VPN a licensed provider" in form and reverse("licensing:provider_use_new") in form
    page = client.get(reverse("licensing:provider_use_new")).content.decode()
    assert licence.licence_number in page and licence.trade_name in page
    answer = client.post(reverse("licensing:provider_use_new"), {"licence_number": licence.licence_number})
    use = ProviderUse.objects.get()
    assert answer["Location"] == reverse("licensing:provider_use", args=[use.pk])
    record = client.get(answer["Location"]).content.decode()
    assert "No registration needed" in record and licence.licence_number in record
    again = client.post(reverse("licensing:provider_use_new"), {"licence_number": licence.licence_number})
    assert again["Location"] == answer["Location"] and ProviderUse.objects.count() == 1


def test_an_unlicensed_or_suspended_provider_cannot_be_named(client, freelancer, freelancer_api, licence, supervisor):
    from licensing import services

    client.force_login(freelancer)
    refused = client.post(reverse("licensing:provider_use_new"), {"licence_number": "PTA-VPN-CL-2026-9999"})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    api = freelancer_api.post("/api/v1/provider-uses/", {"licence_number": "PTA-VPN-CL-2026-9999"}, format="json")
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "licence_number"
    services.licence_suspend(application=licence, actor=supervisor, reason="Lawful interception not in place.")
    suspended = freelancer_api.post("/api/v1/provider-uses/", {"licence_number": licence.licence_number}, format="json")
    assert suspended.status_code == 400 and suspended.json()["errors"][0]["code"] == "not_licensed"
    assert not ProviderUse.objects.exists()


def test_over_the_api_a_named_provider_is_recorded(freelancer_api, licence):
    answer = freelancer_api.post("/api/v1/provider-uses/", {"licence_number": licence.licence_number}, format="json")
    assert answer.status_code == 201
    assert (
        answer.json()["licence_number"] == licence.licence_number and answer.json()["trade_name"] == licence.trade_name
    )


def test_someone_elses_record_is_404(client, other_applicant, freelancer_api, licence):
    use_id = freelancer_api.post(
        "/api/v1/provider-uses/", {"licence_number": licence.licence_number}, format="json"
    ).json()["id"]
    client.force_login(other_applicant)
    assert client.get(reverse("licensing:provider_use", args=[use_id])).status_code == 404
