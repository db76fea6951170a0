"""Files made to hurt: each is answered with a clear reason, for the file or for its row, and memory stays bounded
by what is actually decompressed, whatever the file claims."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk_uploads import services as bulk
from bulk_uploads.models import BulkUpload, BulkUploadRow
from bulk_uploads.readers import UploadError, open_reader
from core.errors import PortalError
from tests.bulk_uploads.bulk_files import csv_file, replace_member, xlsx_bytes

pytestmark = pytest.mark.django_db
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def sheet_xml(*rows: bytes) -> bytes:
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (n, n, value)
        for n, value in enumerate(rows, start=1)
    )
    return SHEET_START + cells + b"</sheetData></worksheet>"


def refusal(file) -> PortalError:
    with pytest.raises(PortalError) as refused:
        bulk.inspect_file(file)
    return refused.value


def processed(company_user, file, django_capture_on_commit_callbacks) -> BulkUpload:
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_upload_create(user=company_user, file=file, **BATCH)
    return BulkUpload.objects.get(pk=job.pk)


def under_declared(xlsx: bytes) -> bytes:
    """The archive with every part's uncompressed size in its directory (and local headers) cut to 100 bytes."""
    data = bytearray(xlsx)
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            struct.pack_into("<I", data, start + offset, 100)
            start += 4
    return bytes(data)


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"\x89PNG\r\n\x1a\n", "an image"), (b"\xff\xd8\xff\xe0", "an image"), (b"GIF89a", "an image"),
     (b"%PDF-1.7\n", "a PDF document")],
)  # fmt: skip
def test_an_image_or_pdf_named_csv_is_the_wrong_type_saying_what_it_is(head, kind):
    error = refusal(SimpleUploadedFile("ips.csv", head + b"\x00" * 200))
    assert error.code == "wrong_type"
    assert f"is {kind}, not a spreadsheet" in error.message


def test_a_workbook_lying_about_its_sizes_is_refused_clearly():
    bomb = replace_member(xlsx_bytes([["111.68.96.10"]]), SHEET, SHEET_START + b" " * 5_000_000 + b"</sheetData>")
    error = refusal(SimpleUploadedFile("ips.xlsx", under_declared(bomb)))
    assert error.code == "unreadable"


def test_a_truncated_workbook_part_is_refused_clearly():
    broken = replace_member(xlsx_bytes([["111.68.96.10"]]), SHEET, sheet_xml(b"ip", b"111.68.96.10")[:-40])
    error = refusal(SimpleUploadedFile("ips.xlsx", broken))
    assert error.code == "unreadable"


def test_a_bare_doctype_without_entities_is_refused():
    sheet = b'<?xml version="1.0"?><!DOCTYPE worksheet SYSTEM "http://example.com/x.dtd">' + sheet_xml(b"ip")
    error = refusal(SimpleUploadedFile("ips.xlsx", replace_member(xlsx_bytes([["111.68.96.10"]]), SHEET, sheet)))
    assert error.code == "xml_forbidden"


def test_one_cell_of_a_hundred_megabytes_is_refused_without_holding_it(settings):
    sheet = sheet_xml(b"ip", b"1" * 100_000_000)
    file = SimpleUploadedFile("ips.xlsx", replace_member(xlsx_bytes([["111.68.96.10"]]), SHEET, sheet))
    with pytest.raises(UploadError) as refused:
        list(open_reader(file, "xlsx").rows())
    assert refused.value.code in {"cell_too_long", "bomb"}


def test_a_workbook_expanding_to_190_mb_is_read_within_the_memory_bound(tmp_path):
    """In a process of its own, so its peak is its own: a 1.7 MB workbook whose shared strings expand to 190 MB."""
    path = tmp_path / "bomb.xlsx"
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["111.68.96.10"]])))
    # Written as a stream: this process must not hold the 190 MB, or the child would inherit its peak.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/sharedStrings.xml", "w") as table:
            table.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(1_000_000):
                table.write(b"<si><t>" + b"x" * 180 + b"</t></si>")
            table.write(b"</sst>")
    assert path.stat().st_size < 2_000_000
    script = (
        "import django, sys; django.setup()\n"
        "from bulk_uploads.readers import open_reader, UploadError\n"
        "try:\n    open_reader(open(sys.argv[1], 'rb'), 'xlsx'); print('read')\n"
        "except UploadError as error:\n    print(error.code)\n"
        # VmHWM, not ru_maxrss: a forked child's ru_maxrss starts at its parent's size, VmHWM at its own.
        "print(next(int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    env_keys = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "PATH")
    import os

    env = {key: os.environ[key] for key in env_keys if key in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "registration_portal.settings"
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    answer, peak_mb = result.stdout.split()
    assert answer == "bomb"
    assert int(peak_mb) < 300


def test_a_nul_in_an_xlsx_cell_rejects_that_row_and_the_rest_are_processed(
    company_user, django_capture_on_commit_callbacks
):
    sheet = sheet_xml(b"ip", b"111.68.96.10", b"111.68.96.&#0;11", b"111.68.96.12")
    file = SimpleUploadedFile("ips.xlsx", replace_member(xlsx_bytes([["111.68.96.10"]]), SHEET, sheet))
    job = processed(company_user, file, django_capture_on_commit_callbacks)
    assert (job.state, job.accepted_rows, job.rejected_rows) == ("completed", 2, 1)
    (row,) = BulkUploadRow.objects.filter(upload=job, accepted=False)
    assert row.row_number == 3 and row.errors[0]["code"] == "control"


def test_a_nul_in_a_utf8_csv_cell_rejects_that_row_and_the_rest_are_processed(
    company_user, django_capture_on_commit_callbacks
):
    content = b"ip,site\n111.68.96.10,Lahore\n111.68.96.11,Kar\x00achi\n111.68.96.12,\n"
    job = processed(company_user, SimpleUploadedFile("ips.csv", content), django_capture_on_commit_callbacks)
    assert (job.state, job.accepted_rows, job.rejected_rows) == ("completed", 2, 1)
    (row,) = BulkUploadRow.objects.filter(upload=job, accepted=False)
    assert (row.row_number, row.errors[0]["column"], row.errors[0]["code"]) == (3, "site", "control")


def test_a_row_with_no_address_but_other_cells_is_an_error_not_skipped(
    company_user, django_capture_on_commit_callbacks
):
    content = b"ip,site,owner\n111.68.96.10,Lahore,Ali\n,Karachi,\n,,Sana\n,,\n111.68.96.12,,\n"
    job = processed(company_user, SimpleUploadedFile("ips.csv", content), django_capture_on_commit_callbacks)
    assert (job.accepted_rows, job.rejected_rows) == (2, 2)  # rows 3 and 4 are errors; row 5, all empty, is blank
    rejected = BulkUploadRow.objects.filter(upload=job, accepted=False).order_by("row_number")
    assert [(row.row_number, row.errors[0]["network_error"]) for row in rejected] == [(3, "empty"), (4, "empty")]


@pytest.mark.parametrize("over", [1_000, 200_000, 3_000_000])
def test_a_file_any_size_over_the_limit_is_the_documented_400_on_the_form_and_the_api(
    settings, client, company_user, over, tmp_path
):
    from rest_framework.test import APIClient

    from tests.factories import token_for

    settings.BULK_UPLOAD_MAX_BYTES = 1_000_000
    content = b"ip\n" + b"111.68.96.10\n" * ((settings.BULK_UPLOAD_MAX_BYTES + over) // 13)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(company_user)}")
    answer = api.post("/api/v1/bulk-uploads/", {**BATCH, "file": SimpleUploadedFile("ips.csv", content)})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "too_large"
    client.force_login(company_user)
    page = client.post("/registrations/bulk/", {**BATCH, "file": SimpleUploadedFile("ips.csv", content)})
    assert page.status_code == 200 and "larger than the limit" in page.content.decode()
    assert not BulkUpload.objects.exists()
    assert not list((tmp_path).iterdir())
    _ = csv_file  # the module's helpers stay in use elsewhere
