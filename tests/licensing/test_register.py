"""The public register: no sign-in, no personal data, English and Urdu, and JSON a cache can keep."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from licensing import services
from licensing.models import LicenceApplication

from .conftest import NATIONWIDE, granted

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence(company_api, reviewer_api, supervisor_api):
    return granted(company_api, reviewer_api, supervisor_api, scope="provinces", provinces=["sindh", "punjab"])


def personal_data(company_user) -> list[str]:
    applicant = company_user.applicant
    return [
        applicant.authorised_person_cnic,
        "61101-1234567-1",
        str(applicant.mobile),
        "0321 1234567",
        company_user.email,
        NATIONWIDE["technical_contact"]["email"],
        NATIONWIDE["technical_contact"]["name"],
        "0333 7654321",
        "+923337654321",
        NATIONWIDE["fee_reference"],
    ]


def test_the_register_page_lists_the_licence_without_sign_in_or_personal_data(client, licence, company_user):
    page = client.get(reverse("licensing:register")).content.decode()
    assert "Indus Code (Private) Limited" in page
    assert "IndusVPN" in page
    assert licence["licence_number"] in page
    assert "Punjab, Sindh" in page
    assert "Commercial clients only" in page
    assert "do not need to register your own IP addresses" in page
    for secret in personal_data(company_user):
        assert secret not in page


def test_the_register_api_needs_no_token_and_carries_no_personal_data(licence, company_user):
    response = APIClient().get(reverse("api:licensed-providers"))
    assert response.status_code == 200
    assert response.json() == [
        {
            "provider": "Indus Code (Private) Limited",
            "trade_name": "IndusVPN",
            "licence_number": licence["licence_number"],
            "scope": "provinces",
            "provinces": ["punjab", "sindh"],
            "clientele": "commercial",
            "granted_on": licence["valid_from"],
            "valid_until": licence["valid_until"],
            "status": "approved",
        }
    ]
    for secret in personal_data(company_user):
        assert secret not in response.content.decode()


def test_the_register_api_answers_304_until_it_changes(licence, supervisor):
    client = APIClient()
    first = client.get(reverse("api:licensed-providers"))
    again = client.get(reverse("api:licensed-providers"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    services.licence_suspend(application=LicenceApplication.objects.get(), actor=supervisor, reason="Audit.")
    moved = client.get(reverse("api:licensed-providers"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert moved.status_code == 200
    assert moved.json() == []


def test_an_application_not_yet_granted_is_not_on_the_register(client, company_api):
    from .conftest import submitted_application

    submitted_application(company_api)
    assert "IndusVPN" not in client.get(reverse("licensing:register")).content.decode()
    assert APIClient().get(reverse("api:licensed-providers")).json() == []


def test_the_register_page_is_in_urdu_right_to_left(client, licence):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    page = client.get(reverse("licensing:register")).content.decode()
    assert '<html lang="ur" dir="rtl">' in page
    # Headings already shipped in Urdu; the new ones await the translators (see the README).
    assert "حیثیت" in page  # Status
    assert "کارآمد تا" in page  # Valid until
    assert f'<bdi dir="ltr">{licence["licence_number"]}</bdi>' in page
