from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient

from registration_portal.celery import app as celery_app
from tests import factories
from tests.needs import needs
from tests.peers import sim_operator, sms_gateway, smtp_server  # noqa: F401 - fixtures for every test package
from tests.workers import REDIS_URL, TEST_QUEUE, broker_redis, workers  # noqa: F401 - real celery workers

celery_app.conf.task_default_queue = TEST_QUEUE
celery_app.conf.task_routes = {
    "vpn_records.tasks.*": {"queue": f"{TEST_QUEUE}.verification"},
    "notifications.tasks.*": {"queue": f"{TEST_QUEUE}.notifications"},
}


def pytest_sessionfinish(session, exitstatus):
    """In CI (FAIL_ON_SKIP=1) a skipped test fails the run: a missing service must not pass silently."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("FAIL_ON_SKIP") == "1" and reporter and reporter.stats.get("skipped"):
        reporter.write_line(f"FAIL_ON_SKIP: {len(reporter.stats['skipped'])} test(s) skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    """Uploaded files and documents go to directories of this test run; worker processes are given the same."""
    from django.conf import settings

    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.DOCUMENT_ROOT = tmp_path_factory.mktemp("documents")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing a password takes ~0.3 s by design; the suite tests what happens, not what an attacker pays."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in English: a request in Urdu leaves Urdu active in the thread that served it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in-process unless a test starts real workers; dispatch still waits for commit."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def whitelist_copy_forgotten():
    """Each test's check reads its own database, not a copy of the whitelist another test's left in memory."""
    from whitelist.index import forget

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def sms_outbox():
    """The locmem SMS backend's outbox, empty for every test, as Django empties mail.outbox."""
    from notifications.sms import LocmemBackend

    LocmemBackend.outbox.clear()
    return LocmemBackend.outbox


@pytest.fixture
def freelancer(db):
    return factories.make_freelancer(email="ayesha@example.pk")


@pytest.fixture
def other_applicant(db):
    return factories.make_freelancer(email="other@example.pk", cnic="4210112345671", full_name="Other Person")


@pytest.fixture
def company_user(db):
    return factories.make_company_user(email="admin@induscode.pk")


@pytest.fixture
def company_colleague(company_user):
    return factories.make_user(email="colleague@induscode.pk", applicant=company_user.applicant)


@pytest.fixture
def reviewer(db):
    return factories.make_staff(email="reviewer@pta.example", role="reviewer")


@pytest.fixture
def supervisor(db):
    return factories.make_staff(email="supervisor@pta.example", role="supervisor")


@pytest.fixture
def auditor(db):
    return factories.make_staff(email="auditor@pta.example", role="auditor")


@pytest.fixture
def redis_cache():
    """Django's Redis cache on its own database, as production throttles on."""
    needs(bool(REDIS_URL), "needs REDIS_URL")
    location = REDIS_URL.rsplit("/", 1)[0] + "/14"
    prefix = f"test-{uuid.uuid4().hex}"  # test processes share the database: each its own keys, not a flush
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location, "KEY_PREFIX": prefix}
    with override_settings(CACHES={"default": cache}):
        yield caches["default"]
        client = caches["default"]._cache.get_client()
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def freelancer_api(api_client, freelancer):
    api_client.force_authenticate(user=None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {factories.token_for(freelancer)}")
    return api_client
