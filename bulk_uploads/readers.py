"""Reading a bulk upload's file: CSV (UTF-8, UTF-8 with BOM, UTF-16 as Excel writes it) or XLSX, row by row.

Nothing here holds the whole file: CSV is decoded as a stream, XLSX read with openpyxl's read-only mode on
defusedxml, after its zip directory has been checked for bombs. Problems with the file as a whole raise
`UploadError`; problems with one row are the caller's to judge.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
    template = FILE_MESSAGES[code]
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

    @property
    def is_blank(self) -> bool:
        return not any(value.strip() for value in self.values.values())


def detect_format(name: str, head: bytes) -> str:
    """The format from the file's first bytes; the name's extension only has to be one we accept."""
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError("xls")
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
        values, undecodable = {}, []
        for name, index in self.columns.items():
            value = cells[index] if index < len(cells) else None
            text = "" if value is None else str(value)
            if not text.isascii() and _has_undecodable(text):
                undecodable.append(name)
                text = text.encode("utf-8", "replace").decode("utf-8")
            values[name] = text
        return SourceRow(number, values, undecodable)

    @abstractmethod
    def _header(self) -> list | None:
        """The first row's cells, or None when the file has no first row."""

    @abstractmethod
    def count_rows(self) -> int:
        """How many rows follow the header."""

    @abstractmethod
    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """The data rows after the first `skip`, numbered as a spreadsheet shows them."""


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
        elif b"\x00" in head:
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

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        records = self._records()
        next(records, None)
        for index, cells in enumerate(records):
            if index >= skip:
                yield self._row(index + 2, cells)


class XlsxReader(UploadReader):
    """The first worksheet. The zip directory is checked first: a bomb is refused before anything expands."""

    def __init__(self, file: IO[bytes]):
        super().__init__(file)
        self.file.seek(0)
        try:
            with zipfile.ZipFile(_Unclosed(self.file)) as archive:
                members = archive.infolist()
                names = {member.filename for member in members}
        except zipfile.BadZipFile as error:
            raise UploadError("unreadable", detail=str(error)[:100]) from error
        if "xl/workbook.xml" not in names:
            raise UploadError("wrong_type", name=getattr(file, "name", "") or "file")
        expanded = sum(member.file_size for member in members)
        compressed = sum(member.compress_size for member in members) or 1
        if expanded > settings.BULK_UPLOAD_XLSX_MAX_EXPANDED_BYTES or expanded / compressed > 200:
            raise UploadError("bomb")

    def _sheet(self):
        self.file.seek(0)
        try:
            workbook = openpyxl.load_workbook(_Unclosed(self.file), read_only=True, data_only=True)
            return workbook, workbook.worksheets[0]
        except _READ_ERRORS as error:
            raise _workbook_error(error) from error

    def _records(self) -> Iterator[tuple]:
        workbook, sheet = self._sheet()
        # Read every row there is: iter_rows stops where the sheet's own <dimension> says, which may be wrong.
        sheet.reset_dimensions()
        try:
            yield from sheet.iter_rows(values_only=True)
        except _READ_ERRORS as error:
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
        except ValueError:  # no <dimension> element: count by reading
            declared = None
        finally:
            workbook.close()
        if declared is not None:
            return max(declared - 1, 0)
        return sum(1 for _ in self._records()) - 1

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        records = self._records()
        next(records, None)
        for index, cells in enumerate(records):
            if index >= skip:
                yield self._row(index + 2, list(cells))


_READ_ERRORS = (DefusedXmlException, KeyError, IndexError, ValueError, TypeError, zipfile.BadZipFile, OSError)


def _workbook_error(error: Exception) -> UploadError:
    """openpyxl wraps what the XML parser raised; a refused entity or DTD anywhere in the chain says why."""
    cause: BaseException | None = error
    while cause is not None:
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
