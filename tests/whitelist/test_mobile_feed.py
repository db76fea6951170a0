"""The mobile operators' feed: each operator reads the approved numbers on its own network, with the IP feed's
ETag and `since`; an ISP reads none."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_operator, token_for
from vpn_records import services
from vpn_records.models import MsisdnProof, Registration
from vpn_records.msisdn import MobileNumber

pytestmark = pytest.mark.django_db
BATCH = {"purpose": "freelancing", "purpose_detail": "Upwork clients.", "isp": "jazz", "vpn_type": "openvpn"}


@pytest.fixture
def approve(reviewer, django_capture_on_commit_callbacks):
    """Register and approve numbers ((msisdn, operator), …) for `user`; the registration."""

    def approved(user, *numbers: tuple[str, str]) -> Registration:
        for msisdn, operator in numbers:
            MsisdnProof.objects.create(
                applicant=user.applicant, msisdn=msisdn, operator=operator, verified_at=timezone.now()
            )
        with django_capture_on_commit_callbacks(execute=True):
            registration = services.registration_create_and_submit(
                user=user, **BATCH, networks=[], numbers=[MobileNumber(*number) for number in numbers]
            )
        with django_capture_on_commit_callbacks(execute=True):
            services.registration_decide(registration=registration, actor=reviewer, approve=True)
        registration.refresh_from_db()
        return registration

    return approved


def operator_client(api_client, network: str = "", email: str = "noc@operator.example"):
    operator = make_operator(email=email, organisation=f"{network or 'Fibre'} NOC")
    operator.mobile_operator = network
    operator.save()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return api_client


def check(client, msisdn: str):
    return client.get(reverse("api:mobile-whitelist-check"), {"msisdn": msisdn})


def export(client, **params):
    headers = params.pop("headers", {})
    response = client.get(reverse("api:mobile-whitelist-export-csv"), params, **headers)
    text = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    return response, list(csv.reader(io.StringIO(text)))


def test_an_operator_reads_its_own_approved_numbers_in_any_form(api_client, freelancer, approve):
    registration = approve(freelancer, ("+923001234567", "jazz"))
    jazz = operator_client(api_client, "jazz")
    for typed in ("03001234567", "0300-1234567", "+92 300 1234567", "۰۳۰۰۱۲۳۴۵۶۷"):
        answer = check(jazz, typed)
        assert answer.status_code == 200
        assert answer.json() == {
            "msisdn": "+923001234567",
            "registered": True,
            "reference": registration.reference,
            "valid_until": registration.valid_until.isoformat(),
        }
    assert check(jazz, "03001234568").json()["registered"] is False
    response, rows = export(jazz)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert rows == [
        ["msisdn", "reference", "valid_until"],
        ["+923001234567", registration.reference, str(registration.valid_until)],
    ]


def test_one_operator_cannot_read_anothers_numbers(api_client, freelancer, other_applicant, approve):
    approve(freelancer, ("+923001234567", "jazz"))
    approve(other_applicant, ("+923111234567", "zong"))
    zong = operator_client(api_client, "zong")
    assert check(zong, "03001234567").json()["registered"] is False
    assert check(zong, "03111234567").json()["registered"] is True
    _response, rows = export(zong)
    assert [row[0] for row in rows[1:]] == ["+923111234567"]


def test_an_isps_token_reads_no_numbers_and_an_applicants_none_either(api_client, freelancer, freelancer_api, approve):
    approve(freelancer, ("+923001234567", "jazz"))
    isp = operator_client(api_client)  # an operator account with no mobile network
    for answer in (check(isp, "03001234567"), export(isp)[0], check(freelancer_api, "03001234567")):
        assert answer.status_code == 403
        assert "+923001234567" not in answer.content.decode()
    assert check(isp, "not a number").status_code == 403  # refused before the number is read


def test_a_malformed_number_is_a_clear_400(api_client):
    jazz = operator_client(api_client, "jazz")
    for typed in ("051 1234567", "abc", ""):
        answer = check(jazz, typed)
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == "msisdn"


def test_etag_and_since_report_approvals_and_removals(api_client, freelancer, supervisor, approve):
    jazz = operator_client(api_client, "jazz")
    first, _rows = export(jazz)
    assert export(jazz, headers={"HTTP_IF_NONE_MATCH": first["ETag"]})[0].status_code == 304
    registration = approve(freelancer, ("+923001234567", "jazz"))
    changed, _rows = export(jazz, headers={"HTTP_IF_NONE_MATCH": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    since = first["X-Whitelist-Next-Since"]
    _response, rows = export(jazz, since=since)
    assert rows == [["change", "msisdn", "reference", "valid_until"],
                    ["added", "+923001234567", registration.reference, str(registration.valid_until)]]  # fmt: skip
    later = (timezone.now() - timedelta(seconds=1)).isoformat()
    services.entry_revoke(entry=registration.entries.get(), actor=supervisor, reason="SIM reissued.")
    _response, rows = export(jazz, since=later)
    assert rows[1:] == [["removed", "+923001234567", "", ""]]
    assert check(jazz, "03001234567").json()["registered"] is False


def test_a_number_is_never_on_the_ip_feed(api_client, freelancer, approve):
    approve(freelancer, ("+923001234567", "jazz"))
    isp = operator_client(api_client)
    response = isp.get(reverse("api:whitelist-export-csv"))
    assert "+923001234567" not in b"".join(response.streaming_content).decode()
