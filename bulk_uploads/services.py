"""Every write of bulk uploads: accept a file, process it in chunks into a registration, cancel, recover.

A job is processed chunk by chunk. Each chunk's rows (accepted, or rejected with their errors) and the job's
counters commit together, so a worker killed mid-file resumes after the last committed chunk: no row is lost
or stored twice. Accepted rows become the registration's entries in one statement when the file ends.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applicants.models import Applicant, User
from core.bidi import isolate
from core.csv_safety import csv_lines
from core.errors import ConflictError, ForbiddenError, PortalError
from core.jobs import analyze, publish_on_commit, redispatch_stuck
from core.networks import IPNetwork, NetworkError, network_error_message, parse_network
from core.planner import index_scans_only
from notifications.services import notify_members
from vpn_records.checks import FAIL, PASS, WARN, finding_message, run_network_checks
from vpn_records.extensions import creation_blocker
from vpn_records.holders import is_holder_violation, take_holder_lock
from vpn_records.models import NOTES_MAX_LENGTH, SITE_MAX_LENGTH, IpEntry, Registration, VpnType
from vpn_records.services import Batch, next_reference, registration_create_verified
from vpn_records.verification import gather_contexts

from .models import BulkUpload, BulkUploadRow
from .readers import SourceRow, UploadError, detect_format, file_message, open_reader

logger = logging.getLogger(__name__)
State = BulkUpload.State

ROW_MESSAGES = {
    "duplicate_in_file": gettext_lazy("The same network is on row %(row)s."),
    "too_long": gettext_lazy("Longer than %(limit)s characters."),
    "invalid_vpn_type": gettext_lazy("“%(value)s” is not a VPN type we know; use one of: %(choices)s."),
    "encoding": gettext_lazy("The text is not valid in the file's encoding; save the file as CSV UTF-8."),
    "control": gettext_lazy(
        "The cell holds a control character (such as NUL), which cannot be stored; retype the cell without it."
    ),
}
# Findings that reject a row of a bulk upload. An applicant's own earlier entry only warns in a registration
# typed by hand, but in a file it means the row is already registered: uploading a file twice adds nothing.
REJECTING_FINDINGS = {"duplicate_own"}
_VPN_TYPES = {value: value for value in VpnType.values} | {str(label).lower(): v for v, label in VpnType.choices}


# Accepting a file


def bulk_upload_create(
    *,
    user: User,
    file: UploadedFile,
    purpose: str,
    purpose_detail: str,
    isp: str,
    vpn_type: str,
    isp_other: str = "",
    all_or_nothing: bool = False,
    dispatch: bool = True,
) -> BulkUpload:
    """Check the file's type, size and header now; queue its rows for a worker, published after commit.

    With `dispatch=False` the caller processes the job itself (the `import_ips` command). An upload makes a new
    registration, so a check that refuses one (a closed registration drive) refuses it here; a file accepted here
    is processed to the end, as a form submitted in time would be."""
    applicant = _company_applicant(user)
    if (problem := creation_blocker(user)) is not None:
        raise problem
    batch = Batch(purpose, purpose_detail, isp, vpn_type, isp_other).checked()
    file_format = inspect_file(file)
    with transaction.atomic():
        Applicant.objects.select_for_update().get(pk=applicant.pk)  # one new upload at a time per applicant
        active = BulkUpload.objects.filter(applicant=applicant, state__in=[State.QUEUED, State.RUNNING]).first()
        if active:
            raise ConflictError(
                _("Your upload of “%(name)s” is still being processed; wait for it to finish or cancel it.")
                % {"name": isolate(active.file_name)},
                code="upload_in_progress",
            )
        upload = BulkUpload(
            applicant=applicant,
            uploaded_by=user,
            file_name=Path(file.name).name[:255],
            file_format=file_format,
            file_size=file.size,
            sha256=_sha256(file),
            **asdict(batch),
            all_or_nothing=all_or_nothing,
            heartbeat_at=timezone.now(),
        )
        file.seek(0)
        upload.file.save(file.name, file, save=False)
        upload.save()
        if dispatch:
            _dispatch(upload)
    logger.info("bulk upload %s queued: %s, %s bytes", upload.public_id, file_format, file.size)
    return upload


def inspect_file(file: UploadedFile) -> str:
    """The file's format, once its size, type and header pass; otherwise PortalError on the `file` field."""
    try:
        if not file.size:
            raise UploadError("empty")
        if file.size > settings.BULK_UPLOAD_MAX_BYTES:
            raise UploadError(
                "too_large",
                size=f"{file.size / 1_000_000:.1f}",
                limit=f"{settings.BULK_UPLOAD_MAX_BYTES / 1_000_000:g}",
            )
        file.seek(0)
        file_format = detect_format(Path(file.name or "").name, file.read(8))
        open_reader(file, file_format)
    except UploadError as error:
        raise PortalError(error.message, code=error.code, field="file") from error
    return file_format


def _company_applicant(user: User) -> Applicant:
    applicant = user.applicant
    if applicant is None or not applicant.is_company:
        raise ForbiddenError(
            _("Bulk upload is for company accounts; register your addresses with the registration form."),
            code="not_company",
        )
    return applicant


def _sha256(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _dispatch(upload: BulkUpload) -> None:
    from .tasks import process_bulk_upload

    publish_on_commit(process_bulk_upload.delay, upload.pk)


# Processing


def bulk_upload_process(
    *,
    upload_id: int,
    progress: Callable[[BulkUpload], None] | None = None,
    slice_seconds: float | None = None,
) -> BulkUpload | None:
    """Process the job from its last committed chunk to the end. Safe to run twice, even at once: each chunk
    commits only if the job is still running at the offset this run read, so a second run stops at once.

    With `slice_seconds` (a worker's task), stop after the first chunk that ends past that time and publish the
    job again, so no task comes near a time limit however large the file or slow the database: slow is never
    failed."""
    upload = _start(upload_id)
    if upload is None:
        return None
    try:
        with _collector_paused(), upload.file.open("rb") as file:
            reader = open_reader(file, upload.file_format)
            if upload.total_rows is None:
                upload = _count(upload, reader.count_rows())
                if upload is None:
                    return None
            if progress:
                progress(upload)
            offset = upload.processed_rows
            limit = settings.BULK_UPLOAD_MAX_ROWS
            accepted = _accepted_so_far(upload)
            rows = reader.rows(skip=offset)
            deadline = None if slice_seconds is None else time.monotonic() + slice_seconds
            while chunk := list(islice(rows, settings.BULK_UPLOAD_CHUNK_ROWS)):
                if offset + len(chunk) > limit:  # a workbook may declare fewer rows than it holds
                    raise UploadError("too_many_rows", count=f"{offset + len(chunk):,}+", limit=f"{limit:,}")
                staged = _judge(upload, chunk, accepted)
                upload = _commit_chunk(upload, offset, len(chunk), staged)
                if upload is None:
                    return None
                if offset == 0 and (upload.total_rows or 0) >= settings.BULK_UPLOAD_ANALYZE_ROWS:
                    analyze(BulkUploadRow)  # the rest of the job's queries planned on the rows it now holds
                accepted.update((str(row.network), row.row_number) for row in staged if row.accepted)
                gc.collect(1)  # the young generations: what this chunk left behind
                offset = upload.processed_rows
                if progress:
                    progress(upload)
                if deadline is not None and time.monotonic() > deadline:
                    _dispatch(upload)  # the next slice, in a task of its own
                    return upload
    except SoftTimeLimitExceeded:
        return _continue_later(upload_id)
    except UploadError as error:
        return _fail(upload_id, error)
    except FileNotFoundError:
        return _fail(upload_id, UploadError("interrupted", detail="the uploaded file is missing"))
    except (DatabaseError, OSError):
        raise  # the task retries; the job resumes where it stopped
    except Exception as error:
        # Retrying cannot fix a bug or a file we cannot read: end the job rather than sweep it up forever.
        logger.exception("bulk upload %s stopped by an unexpected error", upload_id)
        return _fail(upload_id, UploadError("interrupted", detail=type(error).__name__))
    try:
        return _finish(upload_id)
    except SoftTimeLimitExceeded:
        return _continue_later(upload_id)


def _continue_later(upload_id: int) -> BulkUpload | None:
    """The task ran out of time mid-chunk: what it had not committed is rolled back, and the job goes on from its
    last committed chunk in a new task."""
    logger.warning("bulk upload %s: out of time in one task; continuing in another", upload_id)
    upload = BulkUpload.objects.filter(pk=upload_id).first()
    if upload is not None and upload.is_active:
        _dispatch(upload)
    return upload


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection while a job allocates millions of short-lived, acyclic objects: its full
    passes over every live object took a quarter of a 100,000-row job. The caller collects after each chunk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _start(upload_id: int) -> BulkUpload | None:
    with transaction.atomic():
        upload = BulkUpload.objects.select_for_update(no_key=True).filter(pk=upload_id).first()
        if upload is None or not upload.is_active:
            return None
        if upload.state == State.QUEUED:
            upload.state, upload.started_at = State.RUNNING, timezone.now()
        upload.heartbeat_at = timezone.now()
        upload.save(update_fields=["state", "started_at", "heartbeat_at"])
    return upload


def _count(upload: BulkUpload, total: int) -> BulkUpload | None:
    if total > settings.BULK_UPLOAD_MAX_ROWS:
        raise UploadError("too_many_rows", count=f"{total:,}", limit=f"{settings.BULK_UPLOAD_MAX_ROWS:,}")
    if total <= 0:
        raise UploadError("no_rows")
    with transaction.atomic():
        upload = _locked_running(upload.pk)
        if upload is not None:
            upload.total_rows, upload.heartbeat_at = total, timezone.now()
            upload.save(update_fields=["total_rows", "heartbeat_at"])
    return upload


def _locked_running(upload_id: int, offset: int | None = None) -> BulkUpload | None:
    """The job, locked, if it is still running (at `offset`); None tells the caller to stop."""
    # No waiting for the disk at each chunk's commit: a database crash could lose the last chunks, but each
    # with its own counters, so the job resumes from the last chunk that survived. Nothing is doubled.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
    upload = BulkUpload.objects.select_for_update(no_key=True).get(pk=upload_id)
    if upload.state != State.RUNNING or (offset is not None and upload.processed_rows != offset):
        return None
    return upload


def _accepted_so_far(upload: BulkUpload) -> dict[str, int]:
    """The networks of the rows accepted before this run (none unless resuming), and their rows.

    Keyed by text: 200,000 network objects kept alive would make every garbage collection slower."""
    rows = BulkUploadRow.objects.filter(upload=upload, accepted=True).values_list("network", "row_number")
    return {str(network): number for network, number in rows.iterator(chunk_size=5000)}


def _commit_chunk(upload: BulkUpload, offset: int, size: int, staged: list[StagedRow]) -> BulkUpload | None:
    with transaction.atomic():
        locked = _locked_running(upload.pk, offset)
        if locked is None:
            return None  # cancelled, or another run committed this chunk first
        _store(staged)
        accepted = [row for row in staged if row.accepted]
        locked.processed_rows = offset + size
        locked.total_rows = max(locked.total_rows or 0, locked.processed_rows)  # a workbook's count may be low
        locked.accepted_rows += len(accepted)
        locked.warning_rows += sum(1 for row in accepted if any(f["severity"] == WARN for f in row.findings))
        locked.rejected_rows += len(staged) - len(accepted)
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=[
                "processed_rows",
                "total_rows",
                "accepted_rows",
                "warning_rows",
                "rejected_rows",
                "heartbeat_at",
            ]
        )
    return locked


@dataclass(slots=True)
class StagedRow:
    """A judged row on its way to `BulkUploadRow`: building model instances would cost more than judging."""

    upload_id: int
    row_number: int
    network: IPNetwork | None = None
    site: str = ""
    vpn_type: str = ""
    notes: str = ""
    findings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    accepted: bool = False


def _store(rows: list[StagedRow]) -> None:
    """The chunk's rows in one COPY: Django's INSERT costs more than judging the rows."""
    buffer = io.StringIO()
    write = csv.writer(buffer).writerow
    for row in rows:
        write(
            (
                row.upload_id, row.row_number, "" if row.network is None else str(row.network), row.site,
                row.vpn_type, row.notes, json.dumps(row.findings) if row.findings else "[]",
                json.dumps(row.errors) if row.errors else "[]", "t" if row.accepted else "f",
            )
        )  # fmt: skip
    buffer.seek(0)
    columns = "upload_id, row_number, network, site, vpn_type, notes, findings, errors, accepted"
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {BulkUploadRow._meta.db_table} ({columns}) FROM STDIN "
            "WITH (FORMAT csv, FORCE_NOT_NULL (site, vpn_type, notes))",
            buffer,
        )


def _judge(upload: BulkUpload, chunk: list[SourceRow], earlier: dict[str, int]) -> list[StagedRow]:
    """Each non-blank row of the chunk, accepted or rejected with every reason found. `earlier` holds the
    networks accepted from earlier chunks, with their rows."""
    staged: list[StagedRow] = []
    first_row: dict[IPNetwork, int] = {}
    typed: dict[int, str] = {}  # row number → the ip cell as written, for the report
    for source in chunk:
        if source.is_blank:
            continue
        row, network = _parse_row(upload, source)
        staged.append(row)
        typed[source.number] = source.values["ip"][:200]
        if network is None:
            continue
        if network in first_row:
            _reject(row, "ip", "duplicate_in_file", {"row": first_row[network]}, source.values["ip"])
            continue
        first_row[network] = source.number
        row.network = network

    candidates = [row for row in staged if row.network is not None]
    contexts = gather_contexts(applicant_id=upload.applicant_id, networks=[row.network for row in candidates])
    for row in candidates:
        value = typed[row.row_number]
        if str(row.network) in earlier:
            _reject(row, "ip", "duplicate_in_file", {"row": earlier[str(row.network)]}, value)
            continue
        findings = run_network_checks(row.network, contexts[row.network])
        for finding in findings:
            if finding.severity == FAIL or finding.code in REJECTING_FINDINGS:
                # Only what the applicant may see: never another applicant's reference (staff_params).
                row.errors.append(
                    {"column": "ip", "finding": finding.code, "params": finding.params, "value": value}
                    | ({"message_key": finding.message_key} if finding.message_key else {})
                )
        row.findings = [f.as_json() for f in findings if f.severity != PASS]
    for row in staged:
        row.accepted = not row.errors
        if not row.accepted:
            row.network = None  # a rejected row holds no network: duplicates are judged against accepted ones
            row.findings = []
    return staged


def _parse_row(upload: BulkUpload, source: SourceRow) -> tuple[StagedRow, IPNetwork | None]:
    values = source.values
    row = StagedRow(upload.pk, source.number)
    for column in source.undecodable:
        _reject(row, column, "encoding", {}, values[column])
    for column in source.control:
        _reject(row, column, "control", {}, values[column])
    network = None
    if "ip" not in source.undecodable and "ip" not in source.control:
        try:
            network = parse_network(values["ip"])
        except NetworkError as error:
            row.errors.append(
                {"column": "ip", "network_error": error.code, "params": error.params, "value": values["ip"]}
            )
    for column, limit in (("site", SITE_MAX_LENGTH), ("notes", NOTES_MAX_LENGTH)):
        text = values.get(column, "").strip()
        if len(text) > limit:
            _reject(row, column, "too_long", {"limit": str(limit)}, text)
        else:
            setattr(row, column, text)
    vpn_type = values.get("vpn_type", "").strip()
    if vpn_type:
        row.vpn_type = _VPN_TYPES.get(vpn_type.lower(), "")
        if not row.vpn_type:
            choices = ", ".join(str(label) for _value, label in VpnType.choices if _value != VpnType.OTHER)
            _reject(row, "vpn_type", "invalid_vpn_type", {"value": vpn_type[:40], "choices": choices}, vpn_type)
    return row, (network if not row.errors else None)


def _reject(row: StagedRow, column: str, code: str, params: dict, value: str) -> None:
    row.errors.append({"column": column, "code": code, "params": params, "value": value[:200]})


def row_error_message(error: dict) -> str:
    """A stored row error in the active language."""
    if "finding" in error:
        return finding_message(
            {"code": error["finding"], "params": error["params"], "message_key": error.get("message_key", "")}
        )
    if "network_error" in error:
        return network_error_message(error["network_error"], error["params"])
    template = ROW_MESSAGES[error["code"]]
    return template % error["params"] if error["params"] else str(template)


def _finish(upload_id: int) -> BulkUpload | None:
    """The last chunk is in: the accepted rows become one registration's entries, in one transaction."""
    with transaction.atomic():
        upload = _locked_running(upload_id)
        if upload is None:
            return None
        if upload.all_or_nothing and upload.rejected_rows:
            return _fail(upload_id, UploadError("rows_rejected", count=f"{upload.rejected_rows:,}"))
        if upload.accepted_rows:
            try:
                with transaction.atomic():  # rows checked chunk by chunk are nearly always still free
                    upload.registration = _register(upload)
            except IntegrityError as error:
                if not is_holder_violation(error):
                    raise
                # Another applicant has since taken some of these networks: those rows are rejected now. The
                # reference is taken first, as every writer does before the holder lock (vpn_records.holders).
                reference = next_reference()
                _reject_held_rows(upload)
                if upload.all_or_nothing and upload.rejected_rows:
                    return _fail(upload_id, UploadError("rows_rejected", count=f"{upload.rejected_rows:,}"))
                if upload.accepted_rows:
                    upload.registration = _register(upload, reference=reference)
        upload.state, upload.finished_at, upload.heartbeat_at = State.COMPLETED, timezone.now(), timezone.now()
        upload.save(
            update_fields=[
                "state", "finished_at", "heartbeat_at", "registration", "accepted_rows", "rejected_rows",
                "warning_rows",
            ]
        )  # fmt: skip
        _notify_finished(upload)
    if upload.accepted_rows >= settings.BULK_UPLOAD_ANALYZE_ROWS:
        analyze(IpEntry, Registration)  # plans for the next job's checks made on the grown table
    logger.info(
        "bulk upload %s completed: %s accepted, %s rejected, registration %s",
        upload.public_id,
        upload.accepted_rows,
        upload.rejected_rows,
        upload.registration.reference if upload.registration else "none",
    )
    return upload


def _reject_held_rows(upload: BulkUpload) -> None:
    """Under the holder lock, reject the accepted rows whose network another applicant now holds, as the chunk's
    check would have: with the conflict finding, never naming the holder."""
    take_holder_lock()
    row = BulkUploadRow._meta.db_table
    with index_scans_only(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH held AS (
                SELECT DISTINCT h.probe FROM ipentry_held_by_others(
                    ARRAY(SELECT network FROM {row} WHERE upload_id = %(upload)s AND accepted), %(applicant)s) h),
            rejected AS (
                UPDATE {row} r SET accepted = false, findings = '[]'::jsonb, errors = jsonb_build_array(
                    jsonb_build_object('column', 'ip', 'finding', 'conflict', 'value', r.network::text,
                                       'params', jsonb_build_object('network', r.network::text)))
                  FROM (SELECT id, findings FROM {row} WHERE upload_id = %(upload)s AND accepted
                           AND network IN (SELECT probe FROM held)) was
                 WHERE r.id = was.id
                RETURNING was.findings)
            SELECT count(*), count(*) FILTER (WHERE findings @> '[{{"severity": "warn"}}]') FROM rejected
            """,  # noqa: S608 - table name from model meta
            {"upload": upload.pk, "applicant": upload.applicant_id},
        )
        count, warned = cursor.fetchone()
    upload.accepted_rows -= count
    upload.rejected_rows += count
    upload.warning_rows -= warned
    logger.warning("bulk upload %s: %s rows taken by another applicant while it ran", upload.public_id, count)


def _register(upload: BulkUpload, reference: str = "") -> Registration:
    """The accepted rows become the entries of one registration, through the registrations' own write path."""

    def add_entries(registration: Registration, status: str) -> int:
        now = timezone.now()
        entry, row = IpEntry._meta.db_table, BulkUploadRow._meta.db_table
        with connection.cursor() as cursor:
            # Entries are created verified, from rows already checked chunk by chunk: one statement for any count.
            cursor.execute(
                f"""
                INSERT INTO {entry} (registration_id, network, status, reasons, site, vpn_type, notes, source_row,
                                     created_at, updated_at)
                SELECT %s, network, %s, findings, site, vpn_type, notes, row_number, %s, %s
                FROM {row} WHERE upload_id = %s AND accepted ORDER BY row_number
                """,  # noqa: S608 - table names from model meta
                [registration.pk, status, now, now, upload.pk],
            )
            count = cursor.rowcount
            cursor.execute(f"DELETE FROM {row} WHERE upload_id = %s AND accepted", [upload.pk])  # noqa: S608
        return count

    return registration_create_verified(
        applicant=upload.applicant,
        created_by=upload.uploaded_by,
        batch=Batch(upload.purpose, upload.purpose_detail, upload.isp, upload.vpn_type, upload.isp_other),
        add_entries=add_entries,
        entry_severities={WARN} if upload.warning_rows else set(),
        reason=_("Bulk upload of “%(name)s”.") % {"name": isolate(upload.file_name)},
        reference=reference,
    )


def _fail(upload_id: int, error: UploadError) -> BulkUpload | None:
    with transaction.atomic():
        upload = _locked_running(upload_id)
        if upload is None:
            return None
        upload.state, upload.failure = State.FAILED, error.as_json()
        upload.finished_at = upload.heartbeat_at = timezone.now()
        upload.save(update_fields=["state", "failure", "finished_at", "heartbeat_at"])
        _discard_accepted(upload)
        _notify_finished(upload)
    logger.warning("bulk upload %s failed: %s", upload.public_id, error.code)
    return upload


def _discard_accepted(upload: BulkUpload) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {BulkUploadRow._meta.db_table} WHERE upload_id = %s AND accepted", [upload.pk])  # noqa: S608


def failure_message(upload: BulkUpload) -> str:
    return file_message(upload.failure["code"], upload.failure.get("params", {})) if upload.failure else ""


# Cancelling, recovering, reporting


@transaction.atomic
def bulk_upload_cancel(*, upload: BulkUpload, user: User) -> BulkUpload:
    """Stop the job at its next chunk; nothing of it is registered. The rows rejected so far stay reported."""
    upload = BulkUpload.objects.select_for_update(no_key=True).get(pk=upload.pk)
    if upload.applicant_id != user.applicant_id:
        raise ForbiddenError(_("This upload is not yours."), code="forbidden")
    if not upload.is_active:
        raise ConflictError(
            _("This upload has already ended: it is %(state)s.") % {"state": upload.get_state_display().lower()},
            code="not_active",
        )
    upload.state, upload.finished_at = State.CANCELLED, timezone.now()
    upload.save(update_fields=["state", "finished_at"])
    _discard_accepted(upload)
    logger.info("bulk upload %s cancelled by user %s", upload.public_id, user.pk)
    return upload


def bulk_uploads_redispatch_stuck(*, older_than: timedelta) -> list[str]:
    """Publish again the jobs with no progress for `older_than`: lost with the broker, or their worker killed."""
    from .tasks import process_bulk_upload

    return redispatch_stuck(
        BulkUpload.objects.filter(state__in=[State.QUEUED, State.RUNNING]),
        stamp="heartbeat_at",
        older_than=older_than,
        publish=process_bulk_upload.delay,
        limit=100,
        name=lambda upload: str(upload.public_id),
    )


def error_report_response(upload: BulkUpload) -> StreamingHttpResponse:
    """The error report as a CSV download, streamed: a file of 200,000 rows may have that many errors."""
    response = StreamingHttpResponse(csv_lines(error_report_rows(upload)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="errors-{upload.public_id}.csv"'
    return response


def error_report_rows(upload: BulkUpload) -> Iterator[list[str]]:
    """The error report: a header, then one line per error in row order, each message in the active language."""
    yield ["row", "column", "value", "error"]  # fixed names, for programs reading it; the messages are translated
    rows = BulkUploadRow.objects.filter(upload=upload, accepted=False).order_by("row_number")
    for row_number, errors in rows.values_list("row_number", "errors").iterator(chunk_size=2000):
        for error in errors:
            yield [str(row_number), error["column"], error["value"], row_error_message(error)]


def _notify_finished(upload: BulkUpload) -> None:
    """Tell the uploader, by email and in the portal, in their language; once per job, after commit."""
    link = settings.SITE_URL + upload.get_absolute_url()

    def context(_uploader: object) -> dict:  # built in the uploader's language
        return {
            "upload": upload,
            "link": link,
            "errors_link": f"{link}errors.csv" if upload.rejected_rows else "",
            "failure": failure_message(upload),
            "registration_link": settings.SITE_URL + upload.registration.get_absolute_url()
            if upload.registration
            else "",
        }

    notify_members(members=[upload.uploaded_by], event="bulk_upload_finished", context=context, key=str(upload.pk))
