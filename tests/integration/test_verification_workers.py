"""Verification through real worker processes: completes, survives SIGKILL, survives losing Redis's messages."""

import pytest
from django.db import connection, transaction

from tests.conftest import TEST_QUEUE
from tests.factories import make_registration
from tests.workers import wait_for
from vpn_records.models import Registration, Status, StatusChange
from vpn_records.tasks import verify_registration

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]


def status_of(registration) -> str:
    return Registration.objects.values_list("status", flat=True).get(pk=registration.pk)


def changes(registration) -> list[tuple[str, str]]:
    return list(
        StatusChange.objects.filter(registration=registration, entry=None)
        .order_by("id")
        .values_list("from_status", "to_status")
    )


def test_submitted_registration_reaches_review_through_a_worker(workers, freelancer):
    workers()
    registration = make_registration(user=freelancer, networks=["111.68.96.10", "10.0.0.1"], submit=True)
    wait_for(lambda: status_of(registration) == Status.UNDER_REVIEW, timeout=20, what="under_review")
    entries = dict(registration.entries.values_list("network", "status"))
    assert entries == {
        registration.entries.get(network="111.68.96.10").network: Status.UNDER_REVIEW,
        registration.entries.get(network="10.0.0.1").network: Status.CHANGES_REQUESTED,
    }


def test_worker_killed_mid_verification_is_replaced_and_the_work_done_once(workers, freelancer):
    registration = make_registration(user=freelancer, submit=True)
    with transaction.atomic():
        # Hold the row: the worker's task blocks inside verification, having taken the message.
        Registration.objects.select_for_update().get(pk=registration.pk)
        first = workers()
        # Published again now the worker listens: a duplicate must change nothing, which the end of the test checks.
        verify_registration.delay(registration.pk)
        try:
            wait_for(_a_backend_waits_for_a_lock, timeout=45, what="the worker to block inside verification")
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker log ---\n{first.log.read_text()}") from None
        first.kill()
    assert status_of(registration) == Status.SUBMITTED

    workers()
    wait_for(lambda: status_of(registration) == Status.UNDER_REVIEW, timeout=30, what="recovery")
    assert changes(registration) == [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.VERIFYING),
        (Status.VERIFYING, Status.UNDER_REVIEW),
    ]


def test_messages_lost_with_a_redis_flush_are_recovered_by_the_sweeper(workers, broker_redis, freelancer):
    registration = make_registration(user=freelancer, submit=True)
    assert broker_redis.llen(f"{TEST_QUEUE}.verification") == 1
    broker_redis.flushdb()
    workers()
    wait_for(lambda: status_of(registration) == Status.UNDER_REVIEW, timeout=30, what="the sweeper to recover it")
    assert changes(registration)[-1] == (Status.VERIFYING, Status.UNDER_REVIEW)


def _a_backend_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # statistics views are otherwise frozen per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
