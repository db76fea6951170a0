"""Judging an uploaded document by its content, never its name: a PDF, JPEG or PNG within the size limit.

Pictures are decoded and encoded again without their metadata (EXIF, so a phone's GPS position, and text chunks);
PDFs are parsed and refused if they are encrypted, carry JavaScript or embed files. Whatever the bytes, the
answer is a `PortalError` with a message, never an exception of a parser.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from core.bidi import isolate
from core.errors import PortalError

from .models import ContentType

MESSAGES = {
    "empty": _("The file is empty."),
    "too_large": _(
        "The file is larger than the limit of %(limit)s MB. Scan it at a lower resolution and upload it again."
    ),
    "svg": _("“%(name)s” is an SVG drawing, which is not accepted. Upload a PDF, JPEG or PNG file."),
    "wrong_type": _("“%(name)s” is not a PDF, JPEG or PNG file. Scan or save the document in one of those formats."),
    "name_mismatch": _(
        "“%(name)s” is really a %(actual)s file, though its name says otherwise. Give it the right extension "
        "(%(extension)s) or save it again as the type its name says."
    ),
    "image_unreadable": _("“%(name)s” could not be read as a picture: it may be damaged. Scan or save it again."),
    "image_too_many_pixels": _(
        "“%(name)s” has far more pixels than a scanned document needs and was refused for safety. Save it at a "
        "lower resolution."
    ),
    "pdf_unreadable": _("“%(name)s” could not be read as a PDF: it may be damaged. Save or print it to PDF again."),
    "pdf_encrypted": _(
        "“%(name)s” is protected by a password or encrypted. Save a copy without protection and upload that."
    ),
    "pdf_javascript": _(
        "“%(name)s” contains JavaScript, which is refused for safety. Print it to a new PDF and upload that."
    ),
    "pdf_embedded_files": _(
        "“%(name)s” has other files attached inside it, which is refused for safety. Upload each document on its own."
    ),
}

_MAGIC = {b"%PDF-": ContentType.PDF, b"\xff\xd8\xff": ContentType.JPEG, b"\x89PNG\r\n\x1a\n": ContentType.PNG}
_EXTENSIONS = {ContentType.PDF: (".pdf",), ContentType.JPEG: (".jpg", ".jpeg"), ContentType.PNG: (".png",)}
_PIL_FORMAT = {ContentType.JPEG: "JPEG", ContentType.PNG: "PNG"}
# Keys that make a PDF run code or carry files, wherever they sit (catalogue, names, annotations, actions).
_FORBIDDEN_PDF_KEYS = {"/JS": "pdf_javascript", "/JavaScript": "pdf_javascript", "/EmbeddedFiles": "pdf_embedded_files"}
# A PDF with more objects than this is not a scanned certificate; walking it stops there.
_PDF_MAX_OBJECTS = 200_000


@dataclass(frozen=True)
class CleanDocument:
    content: bytes
    content_type: ContentType


def refuse(code: str, **params: str) -> PortalError:
    if "name" in params:  # the uploader's file name, kept from reordering the sentence around it
        params = {**params, "name": isolate(params["name"])}
    return PortalError(MESSAGES[code] % params if params else str(MESSAGES[code]), code=code, field="file")


def too_large_error() -> PortalError:
    return refuse("too_large", limit=f"{settings.DOCUMENT_MAX_BYTES / 1_000_000:g}")


def inspect_document(file: IO[bytes], name: str) -> CleanDocument:
    """The document's bytes as they are to be stored, or a PortalError saying why it is refused."""
    name = name[-100:]
    data = file.read(settings.DOCUMENT_MAX_BYTES + 1)
    if not data:
        raise refuse("empty")
    if len(data) > settings.DOCUMENT_MAX_BYTES:
        raise too_large_error()
    content_type = _detect(data, name)
    _check_extension(name, content_type)
    if content_type == ContentType.PDF:
        _check_pdf(data, name)
        return CleanDocument(data, content_type)
    return CleanDocument(_reencode_image(data, name, content_type), content_type)


def _detect(data: bytes, name: str) -> ContentType:
    for magic, content_type in _MAGIC.items():
        if data.startswith(magic):
            return content_type
    head = data[:1024].lstrip().lower()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"<svg" in data[:65536].lower()):
        raise refuse("svg", name=name)
    raise refuse("wrong_type", name=name)


def _check_extension(name: str, content_type: ContentType) -> None:
    """A name without an extension is fine; one whose extension says another type is refused, saying what it is."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and extension not in _EXTENSIONS[content_type]:
        raise refuse("name_mismatch", name=name, actual=content_type.label, extension=_EXTENSIONS[content_type][0])


def _reencode_image(data: bytes, name: str, content_type: ContentType) -> bytes:
    try:
        with warnings.catch_warnings():
            # Past Image.MAX_IMAGE_PIXELS Pillow only warns (twice that, it raises): refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[content_type]]) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)  # the EXIF orientation applied, since EXIF goes
                transparency = image.info.get("transparency")
                output = io.BytesIO()
                options = {"transparency": transparency} if transparency is not None else {}
                if content_type == ContentType.JPEG:
                    upright.save(output, "JPEG", quality=90, **options)
                else:
                    upright.save(output, "PNG", optimize=False, **options)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("image_too_many_pixels", name=name) from None
    except Exception:  # any decoder error on hostile bytes
        raise refuse("image_unreadable", name=name) from None
    return output.getvalue()


def _check_pdf(data: bytes, name: str) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse("pdf_encrypted", name=name)
        problem = _forbidden_content(reader)
        if problem is None and len(reader.pages) == 0:
            problem = "pdf_unreadable"
    except PortalError:
        raise
    except Exception:  # pypdf raises many kinds on hostile bytes, RecursionError included
        raise refuse("pdf_unreadable", name=name) from None
    if problem is not None:
        raise refuse(problem, name=name)


def _forbidden_content(reader: PdfReader) -> str | None:
    """Every object reachable from the trailer, searched for keys that run code or carry files."""
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [reader.trailer]
    visited = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            return "pdf_unreadable"
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in _FORBIDDEN_PDF_KEYS:
                    return _FORBIDDEN_PDF_KEYS[key]
                pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return None
