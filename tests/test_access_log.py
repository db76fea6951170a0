import logging
import re

import pytest
from django.urls import reverse

from tests.factories import make_operator, token_for

pytestmark = pytest.mark.django_db

# The freelancer's CNIC and mobile number, however typed or URL-encoded.
SEPARATOR = r"(?:\s|\+|-|%20|%2D)?"
FREELANCER_NUMBERS = re.compile(
    rf"35202{SEPARATOR}1234567{SEPARATOR}3|(?:(?:\+|%2B)?92|0)?{SEPARATOR}300{SEPARATOR}1234567", re.IGNORECASE
)


@pytest.fixture
def access_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.access")
    return lambda: [record.getMessage() for record in caplog.records if record.name == "portal.access"]


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ({"q": "35202-1234567-3"}, "?q=*****-*******-*"),
        ({"q": "3520212345673"}, "?q=*************"),
        ({"q": "0300 1234567"}, "?q=****+*******"),
        ({"q": "+923001234567", "status": "all"}, "?q=%2B************&status=all"),
        ("q=%2B92%20300%201234567&o=2", "?q=%2B**%20***%20*******&o=2"),
        (
            {"q": "\u06f3\u06f5\u06f2\u06f0\u06f2-\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7-\u06f3"},
            "?q=*****-*******-*",
        ),
    ],
)
def test_a_cnic_or_mobile_number_in_a_url_is_logged_masked(client, supervisor, access_log, query, logged):
    client.force_login(supervisor)
    url = reverse("admin:vpn_records_registration_changelist")
    if isinstance(query, str):
        client.get(f"{url}?{query}")
    else:
        client.get(url, query)
    [line] = access_log()
    assert line.startswith(f"GET {url}{logged} 200 ")
    assert re.search(r" \d+\.\dms 127\.0\.0\.1$", line)
    assert not FREELANCER_NUMBERS.search(line)


def test_references_and_addresses_are_logged_as_they_are(client, supervisor, access_log):
    client.force_login(supervisor)
    url = reverse("admin:vpn_records_registration_changelist")
    client.get(url, {"q": "VPN-2026-000009", "status": "all"})
    client.get(url, {"q": "111.68.96.10"})
    assert [line.split(" ")[1] for line in access_log()] == [
        f"{url}?q=VPN-2026-000009&status=all",
        f"{url}?q=111.68.96.10",
    ]


def test_whitelist_checks_are_logged_too(client, access_log):
    key = token_for(make_operator())
    response = client.get(reverse("api:whitelist-check"), {"ip": "111.68.96.10"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    [line] = access_log()
    assert line.startswith(f"GET {reverse('api:whitelist-check')}?ip=111.68.96.10 200 ")
