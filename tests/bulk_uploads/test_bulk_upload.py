"""Processing a bulk upload: every row judged, accepted rows registered once, the rest reported."""

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload, BulkUploadRow
from core.csv_safety import csv_lines
from core.errors import ConflictError, ForbiddenError
from notifications.models import Notification
from tests.bulk_uploads.bulk_files import csv_file, xlsx_file
from tests.factories import arabic_digits, make_registration, urdu_digits
from vpn_records.models import DeniedNetwork, IpEntry, Registration, Status, StatusChange

pytestmark = pytest.mark.django_db
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}


def upload(user, file, **fields):
    created = bulk.bulk_upload_create(user=user, file=file, **(BATCH | fields))
    return BulkUpload.objects.get(pk=created.pk)


def report(job) -> list[dict]:
    text = b"".join(csv_lines(bulk.error_report_rows(job))).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_valid_rows_become_one_registration_under_review(company_user, django_capture_on_commit_callbacks):
    rows = [
        ["111.68.96.10", "Lahore office", "wireguard", "gateway"],
        ["111.68.96.0/28", "", "", ""],
        ["2400:cb00:2049::/48", "Karachi", "OpenVPN", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file(rows))
    job.refresh_from_db()
    assert (job.state, job.total_rows, job.processed_rows, job.accepted_rows, job.rejected_rows) == (
        "completed", 3, 3, 3, 0,
    )  # fmt: skip
    registration = job.registration
    assert registration.status == Status.UNDER_REVIEW
    assert registration.entry_count == 3 and registration.created_by == company_user
    assert (registration.purpose, registration.isp, registration.vpn_type) == ("it_export", "nayatel", "ipsec")
    entries = list(registration.entries.order_by("source_row").values_list("source_row", "site", "vpn_type", "status"))
    assert entries == [
        (2, "Lahore office", "wireguard", Status.UNDER_REVIEW),
        (3, "", "", Status.UNDER_REVIEW),
        (4, "Karachi", "openvpn", Status.UNDER_REVIEW),
    ]
    history = StatusChange.objects.filter(registration=registration, entry=None).values_list("to_status", flat=True)
    assert list(history) == [Status.SUBMITTED, Status.VERIFYING, Status.UNDER_REVIEW]
    assert not BulkUploadRow.objects.filter(upload=job, accepted=True).exists()  # moved, not copied


def test_every_kind_of_bad_row_is_reported_with_row_column_and_reason(
    company_user, other_applicant, settings, django_capture_on_commit_callbacks
):
    settings.BULK_UPLOAD_CHUNK_ROWS = 4  # duplicates across chunks too
    own = make_registration(user=company_user, networks=["111.68.97.1"], submit=True)
    make_registration(user=other_applicant, networks=["111.68.98.0/29"], submit=True)
    DeniedNetwork.objects.create(network="111.68.99.0/24", reason="court order")
    rows = [
        ["111.68.96.10", "", "", ""],  # 2 fine
        ["111.68.96.300", "", "", ""],  # 3 invalid
        ["10.1.2.3", "", "", ""],  # 4 private
        ["111.68.0.0/16", "", "", ""],  # 5 too large
        ["111.68.96.10", "", "", ""],  # 6 duplicate of row 2, another chunk
        ["111.68.97.1", "", "", ""],  # 7 already registered by this company
        ["111.68.98.3", "", "", ""],  # 8 another applicant's
        ["111.68.99.9", "", "", ""],  # 9 denied
        ["111.68.96.11", "", "SSH", ""],  # 10 unknown VPN type
        ["111.68.96.12", "", "", "x" * 501],  # 11 notes too long
        ["111.68.96.0/24", "", "", ""],  # 12 host bits? no: a /24 is fine and public
        ["111.68.96.1/24", "", "", ""],  # 13 host bits set
        ["", "", "", ""],  # 14 blank: skipped
        ["2400:fc00::1%eth0", "", "", ""],  # 15 a zone id
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file(rows))
    job.refresh_from_db()
    assert (job.accepted_rows, job.rejected_rows, job.processed_rows) == (2, 11, 14)
    lines = [(line["row"], line["column"], line["value"], line["error"]) for line in report(job)]
    assert lines == [
        ("3", "ip", "111.68.96.300", lines[0][3]),
        ("4", "ip", "10.1.2.3", lines[1][3]),
        ("5", "ip", "111.68.0.0/16", lines[2][3]),
        ("6", "ip", "111.68.96.10", "The same network is on row 2."),
        ("7", "ip", "111.68.97.1", f"111.68.97.1/32 overlaps what you registered in {own.reference}."),
        ("8", "ip", "111.68.98.3", lines[5][3]),
        ("9", "ip", "111.68.99.9", lines[6][3]),
        ("10", "vpn_type", "SSH", "“SSH” is not a VPN type we know; use one of: IPsec, SSL/TLS, OpenVPN, WireGuard."),
        ("11", "notes", "x" * 200, "Longer than 500 characters."),
        ("13", "ip", "111.68.96.1/24", lines[9][3]),
        ("15", "ip", "2400:fc00::1%eth0", lines[10][3]),
    ]
    assert "not a valid IPv4 or IPv6 address" in lines[0][3]
    assert "private address space" in lines[1][3]
    assert "larger than the largest network one entry may cover, a /24" in lines[2][3]
    assert "overlaps a network another applicant has registered" in lines[5][3]
    assert "VPN-" not in lines[5][3]  # never another applicant's reference
    assert "cannot be registered" in lines[6][3] and "court order" not in lines[6][3]
    assert "host bits set after the prefix; the network is 111.68.96.0/24" in lines[9][3]
    assert lines[10][3].startswith("“2400:fc00::1%eth0” ends in a zone id (%eth0), which names a network interface")
    assert sorted(job.registration.entries.values_list("source_row", flat=True)) == [2, 12]


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_rows_in_urdu_or_arabic_digits_are_checked_and_stored_in_ascii(
    company_user, make_file, django_capture_on_commit_callbacks
):
    rows = [
        [urdu_digits("39.32.10.0/24"), "لاہور", "", ""],
        [arabic_digits("39.32.11.7"), "", "", ""],
        ["39.32.10.0/24", "", "", ""],  # the first row's network
        [urdu_digits("10.1.2.3"), "", "", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, make_file(rows))
    job.refresh_from_db()
    entries = job.registration.entries.order_by("source_row").values_list("source_row", "network", "site")
    assert [(row, str(network), site) for row, network, site in entries] == [
        (2, "39.32.10.0/24", "لاہور"),
        (3, "39.32.11.7/32", ""),
    ]
    lines = [(line["row"], line["value"], line["error"]) for line in report(job)]
    assert lines == [
        ("4", "39.32.10.0/24", "The same network is on row 2."),
        ("5", urdu_digits("10.1.2.3"), lines[1][2]),
    ]
    assert "private address space" in lines[1][2]


def test_report_language_follows_the_reader(company_user, django_capture_on_commit_callbacks):
    from django.utils import translation

    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([["10.0.0.1", "", "", ""]]))
    with translation.override("ur"):
        (line,) = report(job)
    assert line["row"] == "2" and "RFC 1918" in line["error"] and "private address space" not in line["error"]


def test_uploading_the_same_file_twice_registers_nothing_more(company_user, django_capture_on_commit_callbacks):
    rows = [[f"111.68.96.{i}", "", "", ""] for i in range(1, 21)]
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(company_user, csv_file(rows))
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(company_user, xlsx_file(rows))
    second.refresh_from_db()
    assert (second.state, second.accepted_rows, second.rejected_rows, second.registration) == ("completed", 0, 20, None)
    assert IpEntry.objects.count() == 20 and Registration.objects.count() == 1
    assert {line["error"].split(" overlaps")[0] for line in report(second)} == {
        f"111.68.96.{i}/32" for i in range(1, 21)
    }
    assert first.pk != second.pk


def test_all_or_nothing_registers_nothing_when_a_row_fails(company_user, django_capture_on_commit_callbacks):
    rows = [["111.68.96.10", "", "", ""], ["192.168.1.1", "", "", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file(rows), all_or_nothing=True)
    job.refresh_from_db()
    assert job.state == "failed" and job.registration is None
    assert "1 rows have errors and you asked for all or nothing" in bulk.failure_message(job)
    assert not IpEntry.objects.exists() and not BulkUploadRow.objects.filter(accepted=True).exists()
    assert [line["row"] for line in report(job)] == ["3"]


def test_a_file_with_more_rows_than_allowed_fails_with_the_count(
    company_user, settings, django_capture_on_commit_callbacks
):
    settings.BULK_UPLOAD_MAX_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([[f"111.68.96.{i}", "", "", ""] for i in range(6)]))
    job.refresh_from_db()
    assert job.state == "failed"
    assert bulk.failure_message(job) == "The file has 6 rows; the limit is 5. Split it into smaller files."
    assert not IpEntry.objects.exists()


def test_a_header_without_rows_fails_clearly(company_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([]))
    job.refresh_from_db()
    assert (job.state, bulk.failure_message(job)) == ("failed", "The file has a header but no rows below it.")


def test_a_killed_run_resumes_after_the_last_committed_chunk(company_user, settings):
    settings.BULK_UPLOAD_CHUNK_ROWS = 3
    rows = [[f"111.68.96.{i}", "", "", ""] for i in range(1, 11)] + [["bad", "", "", ""]]
    job = bulk.bulk_upload_create(user=company_user, file=csv_file(rows), dispatch=False, **BATCH)

    class Killed(BaseException):  # like the process stopping: not an error the job could report
        pass

    def die_after_second_chunk(progress):
        if progress.processed_rows == 6:
            raise Killed

    with pytest.raises(Killed):
        bulk.bulk_upload_process(upload_id=job.pk, progress=die_after_second_chunk)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.accepted_rows) == ("running", 6, 6)

    bulk.bulk_upload_process(upload_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.accepted_rows, job.rejected_rows) == ("completed", 11, 10, 1)
    assert sorted(job.registration.entries.values_list("source_row", flat=True)) == list(range(2, 12))


def test_a_second_run_on_a_committed_chunk_stops_without_writing(company_user):
    job = bulk.bulk_upload_create(
        user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH
    )
    job = bulk._start(job.pk)
    assert bulk._commit_chunk(job, 5, 0, []) is None  # another run is past this offset
    assert BulkUploadRow.objects.count() == 0


def test_finished_jobs_are_not_processed_again(company_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([["111.68.96.1", "", "", ""]]))
    assert bulk.bulk_upload_process(upload_id=job.pk) is None
    assert IpEntry.objects.count() == 1


def test_cancelling_stops_the_job_and_registers_nothing(company_user, company_colleague):
    job = bulk.bulk_upload_create(
        user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH
    )
    bulk.bulk_upload_cancel(upload=job, user=company_colleague)
    assert bulk.bulk_upload_process(upload_id=job.pk) is None
    job.refresh_from_db()
    assert job.state == "cancelled" and job.finished_at and not IpEntry.objects.exists()
    with pytest.raises(ConflictError, match="already ended: it is cancelled"):
        bulk.bulk_upload_cancel(upload=job, user=company_user)


def test_only_the_uploading_company_may_cancel(company_user, freelancer):
    job = bulk.bulk_upload_create(
        user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH
    )
    with pytest.raises(ForbiddenError):
        bulk.bulk_upload_cancel(upload=job, user=freelancer)


def test_one_upload_at_a_time_per_company(company_user):
    bulk.bulk_upload_create(user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH)
    with pytest.raises(ConflictError, match="“\u2068ips\\.csv\u2069” is still being processed"):
        bulk.bulk_upload_create(user=company_user, file=csv_file([["111.68.96.2", "", "", ""]]), **BATCH)


def test_freelancers_use_the_form_not_bulk_upload(freelancer):
    with pytest.raises(ForbiddenError, match="Bulk upload is for company accounts"):
        bulk.bulk_upload_create(user=freelancer, file=csv_file([["111.68.96.1", "", "", ""]]), **BATCH)


def test_the_sweeper_republishes_a_job_without_progress(company_user):
    job = bulk.bulk_upload_create(
        user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH
    )
    assert bulk.bulk_uploads_redispatch_stuck(older_than=timedelta(minutes=2)) == []
    BulkUpload.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=3))
    assert bulk.bulk_uploads_redispatch_stuck(older_than=timedelta(minutes=2)) == [str(job.public_id)]


def test_the_uploader_is_told_when_the_job_ends_with_counts_and_the_report_link(
    company_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([["111.68.96.1", "", "", ""], ["10.0.0.1", "", "", ""]]))
    job.refresh_from_db()
    (email,) = [m for m in mail.outbox if "processed" in m.subject]
    assert email.subject == "Your upload “\u2068ips.csv\u2069” is processed"  # the name isolated from the sentence
    assert "1 accepted, 1 rejected" in email.body and job.registration.reference in email.body
    assert f"/registrations/bulk/{job.public_id}/errors.csv" in email.body
    assert email.alternatives and "Download the error report" in email.alternatives[0][0]
    assert Notification.objects.filter(event="bulk_upload_finished", channel="in_app", user=company_user).count() == 1


def test_a_failed_job_says_why_in_its_notice(company_user, settings, django_capture_on_commit_callbacks):
    settings.BULK_UPLOAD_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        upload(company_user, csv_file([["111.68.96.1", "", "", ""], ["111.68.96.2", "", "", ""]]))
    (email,) = [m for m in mail.outbox if "failed" in m.subject]
    assert "The file has 2 rows; the limit is 1." in email.body


def test_report_cells_can_never_run_as_formulas(company_user, django_capture_on_commit_callbacks):
    hostile = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx"]
    rows = [[value, "", "", ""] for value in hostile] + [["111.68.96.1", "", "=1+1", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file(rows))
    lines = report(job)
    assert len(lines) == 6
    for line in lines:
        for cell in line.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert lines[0]["value"] == '\'=HYPERLINK("http://evil.example","x")'
    assert lines[5]["value"] == "'=1+1" and lines[5]["column"] == "vpn_type"


def test_notices_about_a_large_registration_list_a_few_entries_and_count_the_rest(
    company_user, supervisor, monkeypatch, django_capture_on_commit_callbacks
):
    from vpn_records import services

    monkeypatch.setattr(services, "NOTICE_ENTRY_LIMIT", 3)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, csv_file([[f"111.68.96.{i}", "", "", ""] for i in range(1, 9)]))
    job.refresh_from_db()
    rejected = job.registration.entries.get(network="111.68.96.8")
    with django_capture_on_commit_callbacks(execute=True):
        services.entries_decide(entries=[rejected], actor=supervisor, approve=False, reason="Not your ISP's range.")
        services.registration_decide(registration=job.registration, actor=supervisor, approve=True)
    (email,) = [m for m in mail.outbox if "Approved" in m.subject or "approved" in m.subject]
    listed = [line for line in email.body.splitlines() if line.startswith("- ")]
    assert listed[0] == "- 111.68.96.8: Rejected — Not your ISP's range."  # what needs attention comes first
    assert len(listed) == 3
    assert "… and 5 more entries: see them all on the registration's page." in email.body


@pytest.mark.parametrize("size", [3, 40_000], ids=["small file", "over the csv field limit"])
def test_an_unclosed_quote_fails_the_job_naming_the_row(company_user, size, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = 'ip,notes\r\n111.68.96.1,fine\r\n111.68.96.2,"never closed\r\n' + "111.68.96.3,x\r\n" * size
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(company_user, SimpleUploadedFile("quote.csv", content.encode()))
    job.refresh_from_db()
    assert job.state == "failed" and not IpEntry.objects.exists()
    assert bulk.failure_message(job).startswith("The file cannot be read as CSV from row 3:")


def test_a_workbook_declaring_fewer_rows_than_it_holds_still_meets_the_limit(
    company_user, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.bulk_uploads.bulk_files import replace_member, xlsx_bytes

    settings.BULK_UPLOAD_MAX_ROWS = 3
    workbook = xlsx_bytes([[f"111.68.96.{i}"] for i in range(1, 7)], header=["ip"])
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    lying = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:A2"/>', sheet)
    assert lying != sheet
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(
            company_user, SimpleUploadedFile("lying.xlsx", replace_member(workbook, "xl/worksheets/sheet1.xml", lying))
        )
    job.refresh_from_db()
    assert job.state == "failed" and "the limit is 3" in bulk.failure_message(job)
    assert not IpEntry.objects.exists()


def test_an_unexpected_error_ends_the_job_instead_of_leaving_it_running(company_user, monkeypatch):
    job = bulk.bulk_upload_create(
        user=company_user, file=csv_file([["111.68.96.1", "", "", ""]]), dispatch=False, **BATCH
    )
    monkeypatch.setattr(bulk, "run_network_checks", lambda *args: 1 / 0)
    bulk.bulk_upload_process(upload_id=job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and bulk.failure_message(job) == "Processing stopped unexpectedly: ZeroDivisionError"


def test_a_workbook_declaring_fewer_rows_than_it_holds_loses_none(company_user, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.bulk_uploads.bulk_files import replace_member, xlsx_bytes

    workbook = xlsx_bytes([[f"111.68.96.{i}"] for i in range(1, 7)], header=["ip"])
    sheet = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/worksheets/sheet1.xml")
    lying = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:A2"/>', sheet)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(
            company_user, SimpleUploadedFile("lying.xlsx", replace_member(workbook, "xl/worksheets/sheet1.xml", lying))
        )
    job.refresh_from_db()
    assert (job.state, job.total_rows, job.accepted_rows) == ("completed", 6, 6)
