"""The certificate as a PDF, in English or Urdu, made on request (never stored).

fpdf2 shapes the text with HarfBuzz (uharfbuzz), so Urdu is set in joined Nastaliq, and runs the Unicode
bidirectional algorithm, so a reference, a network or a date isolated inside Urdu reads left to right.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import segno
from django.contrib.staticfiles import finders
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from core.bidi import isolate

from .selectors import CertificateReport

# Left-to-right isolate: a reference, network or code keeps its order inside Urdu, whatever it starts with.
LRI, PDI = "\u2066", "\u2069"
COLUMNS = 3


@dataclass(frozen=True)
class _Fonts:
    main: str
    fallback: str
    rtl: bool


def _font_path(name: str) -> str:
    path = finders.find(f"fonts/{name}")
    if not isinstance(path, str):
        raise FileNotFoundError(f"static/fonts/{name} is missing: see static/fonts/README.md")
    return path


def _ltr(text: str) -> str:
    return f"{LRI}{text.replace(LRI, '').replace(PDI, '')}{PDI}"


def _date(value: date) -> str:
    # Isolated by its first strong letter: "31 جنوری 2027" reads right to left in Urdu, each number whole.
    return formats.date_format(value, "j F Y")


def certificate_pdf(report: CertificateReport, *, verify_url: str, language: str) -> bytes:
    """The certificate of `report` in `language` ("en" or "ur")."""
    with translation.override(language):
        return _render(report, verify_url=verify_url, rtl=translation.get_language_bidi())


def _render(report: CertificateReport, *, verify_url: str, rtl: bool) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("nastaliq", "", _font_path("NotoNastaliqUrdu-Regular.ttf"))
    pdf.add_font("sans", "", _font_path("NotoSans-Regular.ttf"))
    pdf.add_font("sans", "B", _font_path("NotoSans-Bold.ttf"))
    # Urdu in Nastaliq with Latin (a company's name) from Noto Sans; English the other way round.
    main, fallback = ("nastaliq", "sans") if rtl else ("sans", "nastaliq")
    pdf.set_fallback_fonts([fallback], exact_match=False)
    pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr")
    registration = report.registration
    pdf.set_title(_("Certificate of VPN registration") + f" {registration.reference}")
    pdf.set_lang("ur" if rtl else "en")
    pdf.set_creator(_("VPN Registration Portal"))
    pdf.add_page()
    align = "R" if rtl else "L"
    # Isolation marks only where the text runs right to left: in English they would only get in a copy's way.
    ltr, fsi = (_ltr, isolate) if rtl else (str, str)
    # Nastaliq needs tall lines: its letters climb and fall far from the baseline.
    line = 11 if rtl else 7

    def paragraph(text: str, *, size: float = 11, bold: bool = False, height: float = line, center: bool = False):
        pdf.set_font(main, "B" if bold and not rtl else "", size)
        pdf.multi_cell(0, height, text, align="C" if center else align, new_x="LMARGIN", new_y="NEXT")

    paragraph(_("VPN Registration Portal"), size=12, center=True)
    paragraph(_("Certificate of VPN registration"), size=22, bold=True, height=line * 1.8, center=True)
    pdf.ln(4)
    rows = [
        (_("Reference"), ltr(registration.reference)),
        (_("Registered to"), fsi(report.name)),
        (_("Purpose"), str(registration.get_purpose_display())),
        (_("Valid until"), fsi(_date(report.certificate.valid_until))),
        (_("Issued on"), fsi(_date(timezone.localdate(report.certificate.issued_at)))),
    ]
    for label, value in rows:
        paragraph(_("%(label)s: %(value)s") % {"label": label, "value": value}, size=13, height=line * 1.2)
    pdf.ln(3)
    count = len(report.entries) + report.more
    paragraph(
        ngettext(
            "Approved network or mobile number (%(count)s):",
            "Approved networks and mobile numbers (%(count)s):",
            count,
        )
        % {"count": ltr(str(count))},
        size=12,
        bold=True,
    )
    _entries(pdf, [ltr(entry.display) for entry in report.entries], font=main, rtl=rtl, height=line)
    if report.more:
        paragraph(_("and %(count)s more") % {"count": ltr(str(report.more))}, size=11)
    _verification(pdf, verify_url=verify_url, code=report.certificate.code, ltr=ltr, paragraph=paragraph)
    return bytes(pdf.output())


def _entries(pdf: FPDF, texts: list[str], *, font: str, rtl: bool, height: float) -> None:
    """In columns; right to left in Urdu."""
    pdf.set_font(font, "", 10)
    width = pdf.epw / COLUMNS
    for start in range(0, len(texts), COLUMNS):
        y = pdf.get_y()
        for column, text in enumerate(texts[start : start + COLUMNS]):
            offset = (COLUMNS - 1 - column) if rtl else column
            pdf.set_xy(pdf.l_margin + offset * width, y)
            pdf.cell(width, height, text, align="R" if rtl else "L")
        pdf.set_xy(pdf.l_margin, y + height)


def _verification(pdf: FPDF, *, verify_url: str, code: str, ltr: Callable[[str], str], paragraph) -> None:
    """The QR code of the verification page, with its address for those who type it."""
    size = 38
    if pdf.get_y() + size + 30 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(6)
    picture = io.BytesIO()
    segno.make(verify_url, error="m").save(picture, kind="png", scale=10, border=2)
    picture.seek(0)
    pdf.image(picture, x=(pdf.w - size) / 2, w=size, h=size, alt_text=_("QR code of the verification page"))
    paragraph(
        _("Anyone can check this certificate, and whether it still stands, at %(url)s") % {"url": ltr(verify_url)},
        size=10,
        center=True,
    )
    paragraph(_("Verification code: %(code)s") % {"code": ltr(code)}, size=10, center=True)
