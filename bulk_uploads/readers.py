"""Reading a bulk upload's file: CSV (UTF-8, UTF-8 with BOM, UTF-16 as Excel writes it) or XLSX, row by row.

Nothing here holds the whole file: CSV is decoded as a stream, XLSX read with openpyxl's read-only mode on
defusedxml, after its zip directory has been checked for bombs. Problems with the file as a whole raise
`UploadError`; problems with one row are the caller's to judge.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from core.bidi import isolate

from .models import BulkUpload

if not openpyxl.DEFUSEDXML:
    raise ImproperlyConfigured("openpyxl must parse XLSX through defusedxml: install defusedxml.")

COLUMNS = ("ip", "site", "vpn_type", "notes")
# Header spellings people use, normalised (lower case, spaces and hyphens as underscores).
_HEADER_ALIASES = {
    "ip": "ip",
    "ip_address": "ip",
    "ip_addresses": "ip",
    "address": "ip",
    "network": "ip",
    "cidr": "ip",
    "site": "site",
    "location": "site",
    "vpn_type": "vpn_type",
    "vpn": "vpn_type",
    "notes": "notes",
    "note": "notes",
    "comment": "notes",
    "comments": "notes",
}
DELIMITERS = (",", ";", "\t")
# Characters a cell may not hold: C0 controls but tab, line feed and carriage return, DEL, and U+FFFD, which stands
# for one a workbook's XML could not hold (_CleanXml).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
EXTENSIONS = {".csv": BulkUpload.Format.CSV, ".txt": BulkUpload.Format.CSV, ".tsv": BulkUpload.Format.CSV}
EXTENSIONS[".xlsx"] = BulkUpload.Format.XLSX

FILE_MESSAGES = {
    "empty": _("The file is empty."),
    "too_large": _("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files."),
    # Said while the file arrives, before its size is known.
    "over_limit": _("The file is larger than the limit of %(limit)s MB. Split it into smaller files."),
    "wrong_type": _(
        "“%(name)s” is not a CSV or XLSX file. Save the list as CSV (comma-separated) or as an Excel workbook "
        "(.xlsx) and upload that."
    ),
    # The same code, when the content says what the file is instead.
    "wrong_type_image": _(
        "“%(name)s” is an image, not a spreadsheet. Save the list as CSV (comma-separated) or as an Excel workbook "
        "(.xlsx) and upload that."
    ),
    "wrong_type_pdf": _(
        "“%(name)s” is a PDF document, not a spreadsheet. Save the list as CSV (comma-separated) or as an Excel "
        "workbook (.xlsx) and upload that."
    ),
    "xls": _("Excel 97-2003 workbooks (.xls) are not accepted; in Excel choose Save As, then .xlsx or CSV UTF-8."),
    "encoding": _("The file is not UTF-8 or UTF-16 text. In Excel choose Save As, then “CSV UTF-8 (Comma delimited)”."),
    "no_header": _("The file has no rows. Its first row must name the columns; download the template to start."),
    "missing_ip_column": _(
        "No “ip” column: the first row must name the columns, one of them “ip”. The first row reads: %(header)s"
    ),
    "duplicate_column": _("The column “%(column)s” appears twice in the first row."),
    "too_many_rows": _("The file has %(count)s rows; the limit is %(limit)s. Split it into smaller files."),
    "no_rows": _("The file has a header but no rows below it."),
    "unreadable": _("The workbook could not be read (%(detail)s). Open it in Excel, save it again and retry."),
    "bomb": _("The workbook expands to far more data than its size suggests and was refused for safety."),
    "cell_too_long": _(
        "A cell in the workbook holds more than %(limit)s characters, far more than a spreadsheet cell can; the file "
        "was refused for safety."
    ),
    "xml_forbidden": _("The workbook contains XML entity or DTD declarations, which are refused for safety."),
    "interrupted": _("Processing stopped unexpectedly: %(detail)s"),
    "malformed_csv": _(
        'The file cannot be read as CSV from row %(row)s: %(detail)s. Look for a quote (") that is not closed, '
        "or save the file again from Excel."
    ),
    "rows_rejected": _(
        "%(count)s rows have errors and you asked for all or nothing, so nothing was registered. Correct the "
        "rows listed in the error report and upload the file again."
    ),
}


class UploadError(Exception):
    """The file as a whole cannot be processed; `code` and `params` name the message of FILE_MESSAGES."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return file_message(self.code, self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "params": self.params}


def over_limit_message() -> str:
    return file_message("over_limit", {"limit": f"{settings.BULK_UPLOAD_MAX_BYTES / 1_000_000:g}"})


def file_message(code: str, params: dict[str, str]) -> str:
    template = FILE_MESSAGES[f"{code}_{params['content']}" if params.get("content") else code]
    if "name" in params:  # the uploader's file name, kept from reordering the sentence around it
        params = {**params, "name": isolate(params["name"])}
    return template % params if params else str(template)


@dataclass
class SourceRow:
    """A data row: its number as a spreadsheet shows it (the header is row 1) and its known columns' text."""

    number: int
    values: dict[str, str]
    # Columns whose bytes were not valid in the file's encoding.
    undecodable: list[str] = field(default_factory=list)
    # Columns holding a control character (NUL and the like), which no database column may hold.
    control: list[str] = field(default_factory=list)
    # Every cell of the row is empty, the columns we do not read included.
    is_blank: bool = False


# What a file is, from its first bytes, when it is something people upload by mistake.
_NOT_SPREADSHEETS = {
    b"\x89PNG": "image", b"\xff\xd8\xff": "image", b"GIF87a": "image", b"GIF89a": "image", b"BM": "image",
    b"RIFF": "image", b"II*\x00": "image", b"MM\x00*": "image", b"%PDF": "pdf",
}  # fmt: skip


def detect_format(name: str, head: bytes) -> str:
    """The format from the file's first bytes; the name's extension only has to be one we accept."""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError("xls")
    for magic, content in _NOT_SPREADSHEETS.items():
        if head.startswith(magic) and not (magic == b"BM" and head[2:3].isascii() and head[:8].isascii()):
            raise UploadError("wrong_type", name=name[:100], content=content)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise UploadError("wrong_type", name=name[:100])
    if head.startswith(b"PK\x03\x04"):
        return BulkUpload.Format.XLSX
    if EXTENSIONS[extension] == BulkUpload.Format.XLSX:
        raise UploadError("wrong_type", name=name[:100])
    return BulkUpload.Format.CSV


def open_reader(file: IO[bytes], file_format: str) -> UploadReader:
    reader = XlsxReader(file) if file_format == BulkUpload.Format.XLSX else CsvReader(file)
    reader.read_header()
    return reader


class UploadReader(ABC):
    """Header first (`read_header`), then `count_rows()` and `rows(skip=…)` as often as needed."""

    columns: dict[str, int]  # our column name → its index in a row

    def __init__(self, file: IO[bytes]):
        self.file = file

    def read_header(self) -> None:
        header = self._header()
        if header is None:
            raise UploadError("no_header")
        self.columns = {}
        for index, title in enumerate(header):
            name = _HEADER_ALIASES.get(_normalise_header(title))
            if name is None:
                continue
            if name in self.columns:
                raise UploadError("duplicate_column", column=name)
            self.columns[name] = index
        if "ip" not in self.columns:
            shown = ", ".join(f"“{str(title)[:40]}”" for title in header[:6] if str(title).strip()) or "—"
            raise UploadError("missing_ip_column", header=shown)

    def _row(self, number: int, cells: list) -> SourceRow:
        values, undecodable, control = {}, [], []
        for name, index in self.columns.items():
            value = cells[index] if index < len(cells) else None
            text = "" if value is None else str(value)
            if not text.isascii() and _has_undecodable(text):
                undecodable.append(name)
                text = text.encode("utf-8", "replace").decode("utf-8")
            if _CONTROL.search(text):
                control.append(name)
                text = _CONTROL.sub("\ufffd", text)  # never stored as it came: PostgreSQL refuses NUL
            values[name] = text
        blank = all(cell is None or not str(cell).strip() for cell in cells)
        return SourceRow(number, values, undecodable, control, blank)

    @abstractmethod
    def _header(self) -> list | None:
        """The first row's cells, or None when the file has no first row."""

    @abstractmethod
    def count_rows(self) -> int:
        """How many rows follow the header."""

    @abstractmethod
    def _records(self) -> Iterator[Sequence]:
        """Every row's cells, the header's first."""

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """The data rows after the first `skip`, numbered as a spreadsheet shows them."""
        records = self._records()
        next(records, None)
        for index, cells in enumerate(records):
            if index >= skip:
                yield self._row(index + 2, list(cells))


class CsvReader(UploadReader):
    def __init__(self, file: IO[bytes]):
        super().__init__(file)
        self.file.seek(0)
        head = self.file.read(4096)
        if not head:
            raise UploadError("empty")
        if head.startswith(codecs.BOM_UTF8):
            self.encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.encoding = "utf-16"
        elif head.count(b"\x00") > len(head) // 10:  # UTF-16 without its byte order mark, or not text at all
            raise UploadError("encoding")
        else:
            self.encoding = "utf-8"
        self.delimiter = ","

    def _text(self) -> io.TextIOWrapper:
        self.file.seek(0)
        # Bad bytes become lone surrogates, so the row holding them can be named rather than the file refused.
        raw = _Unclosed(self.file)  # typeshed wants a buffered stream here; TextIOWrapper reads a raw one as well
        return io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")  # type: ignore[arg-type]

    def _records(self) -> Iterator[list[str]]:
        count = 0
        try:
            records = csv.reader(self._text(), delimiter=self.delimiter, strict=True)
            for count, record in enumerate(records, start=1):  # noqa: B007
                yield record
        except csv.Error as error:
            # A stray quote makes the csv module read a field running on to the end of the file.
            raise UploadError("malformed_csv", row=f"{count + 1:,}", detail=str(error)[:100]) from error

    def _header(self) -> list | None:
        first_line = self._text().readline()
        if not first_line.strip():
            return None
        if _has_undecodable(first_line):
            raise UploadError("encoding")
        # The delimiter that gives an "ip" column; Excel in some locales writes ";", its "Unicode text" tabs.
        for delimiter in DELIMITERS:
            cells = next(csv.reader([first_line], delimiter=delimiter))
            if any(_HEADER_ALIASES.get(_normalise_header(cell)) == "ip" for cell in cells):
                self.delimiter = delimiter
                return cells
        return next(csv.reader([first_line]))

    def count_rows(self) -> int:
        return sum(1 for _ in self._records()) - 1


class XlsxReader(UploadReader):
    """The first worksheet. The zip directory is checked first: a bomb is refused before anything expands."""

    def __init__(self, file: IO[bytes]):
        super().__init__(file)
        self.file.seek(0, io.SEEK_END)
        size = self.file.tell() or 1
        self.file.seek(0)
        try:
            with zipfile.ZipFile(_Unclosed(self.file)) as archive:
                members = archive.infolist()
                if "xl/workbook.xml" not in {member.filename for member in members}:
                    raise UploadError("wrong_type", name=getattr(file, "name", "") or "file")
                declared = sum(member.file_size for member in members)
                if declared > settings.BULK_UPLOAD_XLSX_MAX_EXPANDED_BYTES or declared / size > MAX_EXPANSION:
                    raise UploadError("bomb")
                _inspect_parts(archive, members, size)
        except UploadError:
            raise
        except _ARCHIVE_ERRORS as error:
            raise UploadError("unreadable", detail=str(error)[:100] or type(error).__name__) from error

    def _sheet(self):
        self.file.seek(0)
        try:
            workbook = openpyxl.load_workbook(_Unclosed(self.file), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
        except Exception as error:  # whatever a hostile workbook makes openpyxl raise
            raise _workbook_error(error) from error
        return workbook, sheet

    def _records(self) -> Iterator[tuple]:
        workbook, sheet = self._sheet()
        try:
            # Read every row there is: iter_rows stops where the sheet's own <dimension> says, which may be wrong.
            sheet.reset_dimensions()
            yield from sheet.iter_rows(values_only=True)
        except Exception as error:  # whatever a hostile workbook makes openpyxl raise
            raise _workbook_error(error) from error
        finally:
            workbook.close()

    def _header(self) -> list | None:
        first = next(self._records(), None)
        return None if first is None or all(cell is None for cell in first) else list(first)

    def count_rows(self) -> int:
        workbook, sheet = self._sheet()
        try:
            declared = sheet.max_row if sheet.calculate_dimension(force=False) else None
        except UploadError:
            raise
        except Exception:  # no <dimension> element, or an unreadable one: count by reading
            declared = None
        finally:
            workbook.close()
        if declared is not None:
            return max(declared - 1, 0)
        return sum(1 for _ in self._records()) - 1


# Zip archives that lie about themselves: a bad CRC where the sizes are wrong, a stream that ends early, a
# compression method zipfile does not implement (it raises NotImplementedError for one).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)
# Decompressed bytes for one compressed byte, at most: a spreadsheet's XML compresses about 10 to 20 times.
MAX_EXPANSION = 200
_DOCTYPE = b"<!DOCTYPE"


def _inspect_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], size: int) -> None:
    """Decompress every part once, counting the bytes that actually come out (not what the directory declares):
    at most BULK_UPLOAD_XLSX_MAX_EXPANDED_BYTES in all, MAX_EXPANSION times the file, and, for the parts openpyxl
    holds in memory (shared strings, styles: all but the worksheets, which it streams),
    BULK_UPLOAD_XLSX_MAX_PART_BYTES each. A DTD anywhere is refused, whether or not it declares entities."""
    limit = min(settings.BULK_UPLOAD_XLSX_MAX_EXPANDED_BYTES, size * MAX_EXPANSION)
    total = 0
    for member in members:
        if member.is_dir():
            continue
        part_limit = None if member.filename.startswith("xl/worksheets/") else settings.BULK_UPLOAD_XLSX_MAX_PART_BYTES
        read, tail = 0, b""
        with archive.open(member) as part:
            while chunk := part.read(1 << 16):
                read, total = read + len(chunk), total + len(chunk)
                if total > limit or (part_limit is not None and read > part_limit):
                    raise UploadError("bomb")
                if _DOCTYPE in tail + chunk[: len(_DOCTYPE)] or _DOCTYPE in chunk:
                    raise UploadError("xml_forbidden")
                tail = chunk[-len(_DOCTYPE) :]


# Characters XML 1.0 cannot hold (NUL, most C0 controls), as raw bytes or as character references.
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_REFERENCE = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]{1,8})|([0-9]{1,10}));")
_TAG_EDGE = re.compile(rb"[<>]")
# No cell holds more than 32,767 characters; a run of text far longer is a bomb in one cell.
MAX_TEXT_RUN = 1_000_000


def _xml_char_allowed(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _clean_reference(match: re.Match) -> bytes:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return match.group(0) if _xml_char_allowed(code) else b"&#xFFFD;"


class _CleanXml(io.RawIOBase):
    """A worksheet's XML with the characters XML cannot hold replaced by U+FFFD, and no run of text longer than
    MAX_TEXT_RUN: the parser then reads it whole, and memory stays bounded whatever one cell claims to hold."""

    def __init__(self, source: IO[bytes]):
        self._source = source
        self._pending = b""  # cleaned, not yet handed out
        self._carry = b""  # an incomplete character reference at the end of the last chunk
        self._run = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._source.read(1 << 16)
            if not chunk:
                self._pending, self._carry = self._carry, b""
                break
            self._pending = self._clean(self._carry + chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _clean(self, data: bytes) -> bytes:
        ampersand = data.rfind(b"&")
        if ampersand != -1 and b";" not in data[ampersand:] and len(data) - ampersand < 16:
            data, self._carry = data[:ampersand], data[ampersand:]
        else:
            self._carry = b""
        pieces = _TAG_EDGE.split(data)
        longest = max(self._run + len(pieces[0]), *(len(piece) for piece in pieces[1:]))
        self._run = len(pieces[-1]) if len(pieces) > 1 else self._run + len(pieces[0])
        if longest > MAX_TEXT_RUN:
            raise UploadError("cell_too_long", limit=f"{MAX_TEXT_RUN:,}")
        return _REFERENCE.sub(_clean_reference, _RAW_CONTROL.sub("\ufffd".encode(), data))

    def close(self) -> None:
        self._source.close()
        super().close()


def _clean_worksheet_source(worksheet: ReadOnlyWorksheet) -> _CleanXml:
    return _CleanXml(_worksheet_source(worksheet))


# Every read-only worksheet's XML reaches the parser through _CleanXml, from the first read, which openpyxl makes
# inside load_workbook (for the sheet's size): control characters become U+FFFD, for the row to be refused rather
# than the file, and a run of text longer than any cell can hold stops the read. Only these readers use read-only
# workbooks in the portal.
_worksheet_source = ReadOnlyWorksheet._get_source
ReadOnlyWorksheet._get_source = _clean_worksheet_source


def _workbook_error(error: BaseException) -> UploadError:
    """openpyxl wraps what the XML parser raised; a refusal of ours, or of defusedxml, anywhere in the chain says
    why. Anything else is a workbook we cannot read, named by the error's type."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, UploadError):
            return cause
        if isinstance(cause, DefusedXmlException):
            return UploadError("xml_forbidden")
        cause = cause.__cause__ or cause.__context__
    return UploadError("unreadable", detail=type(error).__name__)


def _normalise_header(title) -> str:
    return str(title or "").strip().lower().replace(" ", "_").replace("-", "_").lstrip("\ufeff")


def _has_undecodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Unclosed(io.RawIOBase):
    """The upload's file, seen through a wrapper whose closing leaves the file itself open for the next pass."""

    def __init__(self, file: IO[bytes]):
        self._file = file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()
