"""Slow is never failed: a job works in bounded slices, and one cut short by the time limit goes on in a new task."""

from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from bulk_uploads import services as bulk
from bulk_uploads import tasks
from bulk_uploads.models import BulkUpload
from tests.bulk_uploads.bulk_files import csv_file

pytestmark = pytest.mark.django_db
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}
ROWS = [[f"111.68.96.{n}", "", "", ""] for n in range(1, 7)]


def test_a_job_runs_in_slices_each_a_task_of_its_own(
    settings, company_user, monkeypatch, django_capture_on_commit_callbacks
):
    settings.BULK_UPLOAD_CHUNK_ROWS = 2
    settings.BULK_UPLOAD_SLICE_SECONDS = 0  # every chunk ends past its slice: one chunk a task
    slices = []
    process = tasks.bulk_upload_process
    monkeypatch.setattr(tasks, "bulk_upload_process", lambda **kw: slices.append(kw) or process(**kw))
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), **BATCH)
    job.refresh_from_db()
    assert (job.state, job.accepted_rows) == ("completed", 6)
    assert len(slices) == 4  # three chunks, then the registration


def test_a_task_cut_short_by_the_soft_time_limit_goes_on_in_another(
    settings, company_user, monkeypatch, django_capture_on_commit_callbacks
):
    settings.BULK_UPLOAD_CHUNK_ROWS = 2
    judge, calls = bulk._judge, []

    def slow_once(*args):
        calls.append(1)
        if len(calls) == 2:  # the second chunk runs into the limit
            raise SoftTimeLimitExceeded()
        return judge(*args)

    monkeypatch.setattr(bulk, "_judge", slow_once)
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), **BATCH)
    job = BulkUpload.objects.get(pk=job.pk)
    assert job.state == "completed" and job.failure == {}
    assert (job.accepted_rows, job.registration.entries.count()) == (6, 6)  # nothing lost, nothing twice


def test_a_large_job_refreshes_the_statistics_of_the_tables_it_grows(
    settings, company_user, django_capture_on_commit_callbacks
):
    settings.BULK_UPLOAD_ANALYZE_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True):
        bulk.bulk_upload_create(user=company_user, file=csv_file(ROWS), **BATCH)
    with connection.cursor() as cursor:
        tables = ["vpn_records_ipentry", "vpn_records_bulkuploadrow"]
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
        estimated = dict(cursor.fetchall())
    # -1 until a table is first analysed: the entries after the registration, the rows after the first chunk
    assert estimated == {"vpn_records_ipentry": 6, "vpn_records_bulkuploadrow": 6}
