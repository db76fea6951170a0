import re

import pytest
from django.urls import reverse


def test_healthz_answers_without_the_database(client):
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_readyz_checks_the_database_and_redis_when_configured(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("readyz"))
    assert (response.status_code, response.json()["checks"]) == (200, {"database": "ok"})
    assert re.fullmatch(r"PostgreSQL \d+\.\d+( \(embedded\))?", response.json()["database_engine"])


@pytest.mark.django_db
def test_readyz_is_503_naming_what_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database_engine": response.json()["database_engine"],
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }
