"""CSV that opens safely in a spreadsheet: no cell can become a formula, and Excel reads it as UTF-8."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator

# A cell starting with one of these is read as a formula (or a DDE call) by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plus and digits alone is only a number to a spreadsheet: an E.164 mobile number stays as it is.
_E164 = re.compile(r"\+[0-9]+")


def neutralise(value: object) -> str:
    """The cell's text, with a leading apostrophe where a spreadsheet would otherwise evaluate it (OWASP)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not _E164.fullmatch(text):
        return f"'{text}"
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]], *, bom: bool = True) -> Iterator[bytes]:
    """Encode `rows` as CSV, one line at a time, every cell neutralised: for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    if bom:
        yield codecs.BOM_UTF8
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row]).encode("utf-8")
