"""Submission publishes the verification task to the real broker, and only once the transaction commits."""

import json
import os

import pytest
import redis
from django.db import transaction

from registration_portal.celery import app as celery_app
from tests.conftest import TEST_QUEUE
from tests.factories import make_registration
from tests.needs import needs

REDIS_URL = os.environ.get("REDIS_URL", "")
# Every test that touches the broker runs in one process: the integration tests flush Redis.
pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture
def broker():
    needs(bool(REDIS_URL), "needs REDIS_URL")
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    celery_app.conf.task_always_eager = False
    queue = f"{TEST_QUEUE}.verification"
    client.delete(queue)
    yield client, queue
    client.delete(queue)


@pytest.mark.django_db(transaction=True)
def test_submission_publishes_verification_after_commit(broker, freelancer):
    client, queue = broker
    with transaction.atomic():
        registration = make_registration(user=freelancer, submit=True)
        assert client.llen(queue) == 0, "published before commit"
    assert client.llen(queue) == 1
    message = json.loads(client.lpop(queue))
    assert message["headers"]["task"] == "vpn_records.tasks.verify_registration"
    assert message["headers"]["argsrepr"] == f"({registration.pk},)"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_submission_publishes_nothing(broker, freelancer):
    client, queue = broker
    with pytest.raises(RuntimeError), transaction.atomic():
        make_registration(user=freelancer, submit=True)
        raise RuntimeError("the request failed after submitting")
    assert client.llen(queue) == 0
