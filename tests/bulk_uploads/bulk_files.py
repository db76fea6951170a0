"""Building upload files as spreadsheet programs write them, and the hostile ones."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER = ["ip", "site", "vpn_type", "notes"]


def csv_text(rows: list[list[str]], *, header=HEADER, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    return buffer.getvalue()


def csv_file(rows: list[list[str]], *, name: str = "ips.csv", encoding: str = "utf-8", **options) -> SimpleUploadedFile:
    text = csv_text(rows, **options)
    # UTF-16 as Excel's "Unicode text" writes it: a byte order mark, then little-endian.
    content = codecs.BOM_UTF16_LE + text.encode("utf-16-le") if encoding == "utf-16" else text.encode(encoding)
    return SimpleUploadedFile(name, content, content_type="text/csv")


def xlsx_bytes(rows: list[list], *, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for cells in [header, *rows]:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows: list[list], *, name: str = "ips.xlsx", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **options))


def replace_member(xlsx: bytes, member: str, content: bytes) -> bytes:
    """The workbook with one of its zip members rewritten."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == member else source.read(info.filename))
    return buffer.getvalue()


BILLION_LAUGHS_SHEET = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>ip</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>
</sheetData></worksheet>"""


def entity_bomb_xlsx() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "bomb.xlsx", replace_member(xlsx_bytes([["111.68.96.10"]]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS_SHEET)
    )


def zip_bomb_xlsx() -> SimpleUploadedFile:
    """A workbook whose sheet inflates a thousandfold: 20 MB of blank cells from a few kilobytes."""
    padding = b" " * 20_000_000
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    return SimpleUploadedFile(
        "zipbomb.xlsx",
        replace_member(xlsx_bytes([["111.68.96.10"]]), "xl/worksheets/sheet1.xml", sheet + padding + b"</sheetData>"),
    )
