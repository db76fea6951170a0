"""The downloadable templates of a bulk upload, in CSV and XLSX: the columns, and one example row to replace."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from core.csv_safety import csv_lines

from .readers import COLUMNS

EXAMPLE_ROW = ("203.0.113.10", "Head office, Lahore", "wireguard", "Example: replace with your own addresses")


def template_file(file_format: str) -> tuple[bytes, str]:
    """The template's bytes and content type."""
    if file_format == "csv":
        return b"".join(csv_lines([COLUMNS, EXAMPLE_ROW])), "text/csv; charset=utf-8"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "IP addresses"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE_ROW)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (22, 28, 14, 44), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
