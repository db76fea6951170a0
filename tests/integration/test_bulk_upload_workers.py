"""Bulk uploads through real worker processes: a worker killed mid-file is replaced and no row is lost or doubled."""

import pytest
from django.db import connection, transaction

from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload, BulkUploadRow
from bulk_uploads.tasks import process_bulk_upload
from tests.bulk_uploads.bulk_files import csv_file
from tests.workers import wait_for
from vpn_records.models import IpEntry

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}
CHUNK = 50


def rows(count: int) -> list[list[str]]:
    """Distinct public addresses, every tenth row a private one the report must list."""
    return [
        [f"10.9.{i // 250}.{i % 250}" if i % 10 == 9 else f"111.68.{i // 250}.{i % 250}", "", "", ""]
        for i in range(count)
    ]


def job_of(upload) -> BulkUpload:
    return BulkUpload.objects.get(pk=upload.pk)


def test_worker_killed_mid_file_resumes_after_the_last_committed_chunk(workers, company_user):
    upload = bulk.bulk_upload_create(user=company_user, file=csv_file(rows(300)), dispatch=False, **BATCH)
    with transaction.atomic():
        # A row the third chunk will write, held uncommitted: the worker commits two chunks, then waits on it.
        BulkUploadRow.objects.create(upload=upload, row_number=2 * CHUNK + 5, errors=[], findings=[], accepted=False)
        first = workers(BULK_UPLOAD_CHUNK_ROWS=str(CHUNK))
        process_bulk_upload.delay(upload.pk)
        try:
            wait_for(_a_backend_waits_for_a_lock, timeout=45, what="the worker to block on its third chunk")
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- worker log ---\n{first.log.read_text()}") from None
        first.kill()
        transaction.set_rollback(True)

    killed = job_of(upload)
    assert (killed.state, killed.processed_rows) == ("running", 2 * CHUNK)
    assert BulkUploadRow.objects.filter(upload=upload).count() == 2 * CHUNK

    workers(BULK_UPLOAD_CHUNK_ROWS=str(CHUNK))  # its sweeper republishes the silent job
    wait_for(lambda: job_of(upload).state == "completed", timeout=45, what="the job to finish after the restart")
    done = job_of(upload)
    assert (done.processed_rows, done.accepted_rows, done.rejected_rows) == (300, 270, 30)
    entries = list(IpEntry.objects.filter(registration=done.registration).values_list("source_row", flat=True))
    assert sorted(entries) == [i + 2 for i in range(300) if i % 10 != 9]  # each accepted row exactly once
    reported = list(BulkUploadRow.objects.filter(upload=upload).values_list("row_number", flat=True))
    assert sorted(reported) == [i + 2 for i in range(300) if i % 10 == 9]


def _a_backend_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
