"""Reading upload files: the formats and encodings spreadsheet programs write, and the files we refuse."""

import io
import resource
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk_uploads.readers import open_reader
from bulk_uploads.services import inspect_file
from core.errors import PortalError
from tests.bulk_uploads.bulk_files import (
    csv_file,
    entity_bomb_xlsx,
    replace_member,
    xlsx_bytes,
    xlsx_file,
    zip_bomb_xlsx,
)

ROWS = [["111.68.96.10", "Lahore office", "WireGuard", "نوٹ"], ["2400:cb00:2049::/48", "", "", ""]]


def read_all(upload) -> tuple[str, list[tuple[int, dict]]]:
    file_format = inspect_file(upload)
    reader = open_reader(upload, file_format)
    return file_format, [(row.number, row.values) for row in reader.rows()]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16", ","), ("utf-8", ";")],
    ids=[
        "utf-8",
        "utf-8 with BOM (Excel CSV UTF-8)",
        "utf-16 tabs (Excel Unicode text)",
        "utf-16 commas",
        "semicolons",
    ],
)
def test_csv_in_the_encodings_and_delimiters_excel_writes(encoding, delimiter):
    file_format, rows = read_all(csv_file(ROWS, encoding=encoding, delimiter=delimiter))
    assert file_format == "csv"
    assert rows == [
        (2, {"ip": "111.68.96.10", "site": "Lahore office", "vpn_type": "WireGuard", "notes": "نوٹ"}),
        (3, {"ip": "2400:cb00:2049::/48", "site": "", "vpn_type": "", "notes": ""}),
    ]


def test_xlsx_first_sheet_read_in_order_with_any_column_order():
    upload = xlsx_file([["Lahore", "111.68.96.10"], [None, "111.68.96.11"]], header=["Site", "IP Address"])
    file_format, rows = read_all(upload)
    assert file_format == "xlsx"
    assert rows == [(2, {"ip": "111.68.96.10", "site": "Lahore"}), (3, {"ip": "111.68.96.11", "site": ""})]


def test_rows_can_resume_after_a_number_of_rows():
    upload = csv_file([[f"111.68.96.{i}", "", "", ""] for i in range(10)])
    reader = open_reader(upload, inspect_file(upload))
    assert reader.count_rows() == 10
    assert [row.number for row in reader.rows(skip=7)] == [9, 10, 11]


def test_bytes_invalid_in_utf8_are_blamed_on_their_row_and_column_not_the_file():
    content = b"ip,notes\r\n111.68.96.10,fine\r\n111.68.96.11," + b"caf\xe9\r\n"
    upload = SimpleUploadedFile("latin1.csv", content)
    reader = open_reader(upload, inspect_file(upload))
    rows = list(reader.rows())
    assert rows[0].undecodable == []
    assert (rows[1].number, rows[1].undecodable) == (3, ["notes"])


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("ips.csv", b""), "The file is empty."),
        (SimpleUploadedFile("ips.pdf", b"%PDF-1.7 ..."), "“\u2068ips.pdf\u2069” is a PDF document, not a spreadsheet."),
        (SimpleUploadedFile("ips.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100), "(.xls) are not accepted"),
        (SimpleUploadedFile("ips.xlsx", b"ip\n111.68.96.10\n"), "“\u2068ips.xlsx\u2069” is not a CSV or XLSX file."),
        (SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "is an image, not a spreadsheet"),
        (SimpleUploadedFile("data.csv", b"\x7fELF\x02\x01\x01" + b"\0" * 100), "not UTF-8 or UTF-16 text"),
        (SimpleUploadedFile("ips.csv", b"\r\n\r\n"), "The file has no rows."),
        (csv_file([["111.68.96.10"]], header=["address_list"]), "No “ip” column"),
        (csv_file([["1", "2"]], header=["ip", "IP Address"]), "The column “ip” appears twice"),
        (SimpleUploadedFile("ips.xlsx", b"PK\x03\x04 broken"), "The workbook could not be read"),
    ],
    ids=[
        "empty",
        "pdf",
        "xls",
        "text named xlsx",
        "image named csv",
        "binary named csv",
        "blank lines",
        "no ip",
        "ip twice",
        "bad zip",
    ],
)
def test_files_refused_whole_with_a_clear_reason(upload, message):
    with pytest.raises(PortalError) as refused:
        inspect_file(upload)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_missing_ip_column_quotes_the_header_found():
    with pytest.raises(PortalError) as refused:
        inspect_file(csv_file([["111.68.96.10"]], header=["111.68.96.1"]))
    assert "The first row reads: “111.68.96.1”" in refused.value.message


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.BULK_UPLOAD_MAX_BYTES = 1_000
    with pytest.raises(PortalError) as refused:
        inspect_file(csv_file([[f"111.68.96.{i}", "", "", ""] for i in range(100)]))
    assert refused.value.code == "too_large"
    assert "the limit is 0.001 MB" in refused.value.message


def test_xml_entity_bomb_is_refused_without_expanding_it():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(PortalError) as refused:
        inspect_file(entity_bomb_xlsx())
    assert refused.value.code == "xml_forbidden"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB: nothing blew up


def test_a_dtd_in_the_workbook_part_is_refused_too():
    workbook = xlsx_bytes([["111.68.96.10"]])
    part = zipfile.ZipFile(io.BytesIO(workbook)).read("xl/workbook.xml")
    assert not part.startswith(b"<?xml")
    hostile = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + part
    with pytest.raises(PortalError) as refused:
        inspect_file(SimpleUploadedFile("w.xlsx", replace_member(workbook, "xl/workbook.xml", hostile)))
    assert refused.value.code == "xml_forbidden"


def test_zip_bomb_is_refused_from_the_zip_directory():
    with pytest.raises(PortalError) as refused:
        inspect_file(zip_bomb_xlsx())
    assert refused.value.code == "bomb"
