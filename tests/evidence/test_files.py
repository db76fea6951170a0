"""What a document must be to be kept: judged by content, pictures stripped of their metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import PortalError
from evidence.models import Document
from evidence.services import document_add
from tests.evidence.conftest import jpeg_with_gps, pdf_bytes, png_bytes, upload
from tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(freelancer):
    return make_registration(user=freelancer)


def refused(draft, freelancer, name: str, content: bytes) -> PortalError:
    with pytest.raises(PortalError) as caught:
        document_add(registration=draft, user=freelancer, kind="cnic_front", file=upload(name, content))
    assert not Document.objects.exists()
    return caught.value


def test_pdf_with_javascript_is_refused(draft, freelancer):
    error = refused(draft, freelancer, "contract.pdf", pdf_bytes(javascript=True))
    assert error.code == "pdf_javascript"
    assert "contains JavaScript, which is refused for safety" in error.message
    assert "\u2068contract.pdf\u2069" in error.message


def test_pdf_with_javascript_in_a_link_is_refused(draft, freelancer):
    assert refused(draft, freelancer, "contract.pdf", pdf_bytes(annotation_javascript=True)).code == "pdf_javascript"


def test_encrypted_pdf_is_refused(draft, freelancer):
    error = refused(draft, freelancer, "contract.pdf", pdf_bytes(password="secret"))
    assert error.code == "pdf_encrypted"
    assert "is protected by a password or encrypted" in error.message


def test_encrypted_pdf_with_an_empty_password_is_refused_too(draft, freelancer):
    assert refused(draft, freelancer, "contract.pdf", pdf_bytes(password="")).code == "pdf_encrypted"


def test_pdf_with_embedded_files_is_refused(draft, freelancer):
    error = refused(draft, freelancer, "contract.pdf", pdf_bytes(attachment=True))
    assert error.code == "pdf_embedded_files"
    assert "has other files attached inside it" in error.message


def test_damaged_pdf_is_refused(draft, freelancer):
    error = refused(draft, freelancer, "contract.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage")
    assert error.code == "pdf_unreadable"
    assert "could not be read as a PDF" in error.message


def test_png_renamed_pdf_is_refused_saying_what_it_is(draft, freelancer):
    error = refused(draft, freelancer, "cnic.pdf", png_bytes())
    assert error.code == "name_mismatch"
    assert error.message == (
        "\u2068cnic.pdf\u2069 is really a PNG file, though its name says otherwise. Give it the right extension "
        "(.png) or save it again as the type its name says."
    ).replace("\u2068cnic.pdf\u2069", "“\u2068cnic.pdf\u2069”")


def test_file_over_the_limit_is_refused(draft, freelancer):
    six_mb = pdf_bytes() + b"\0" * 6_000_000
    error = refused(draft, freelancer, "scan.pdf", six_mb)
    assert error.code == "too_large"
    assert error.message == (
        "The file is larger than the limit of 5 MB. Scan it at a lower resolution and upload it again."
    )


def test_svg_is_refused(draft, freelancer):
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    error = refused(draft, freelancer, "cnic.svg", svg)
    assert error.code == "svg"
    assert "is an SVG drawing, which is not accepted" in error.message


def test_svg_renamed_png_is_refused_as_svg(draft, freelancer):
    assert refused(draft, freelancer, "cnic.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>").code == "svg"


def test_other_files_are_refused(draft, freelancer):
    error = refused(draft, freelancer, "cnic.docx", b"PK\x03\x04 a word document")
    assert error.code == "wrong_type"
    assert "is not a PDF, JPEG or PNG file" in error.message


def test_empty_file_is_refused(draft, freelancer):
    assert refused(draft, freelancer, "cnic.png", b"").code == "empty"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\0" * 50,  # a PNG's signature and nothing of a picture
        b"\xff\xd8\xff\xe0" + b"\xff" * 100,
        b"%PDF-" + b"\xff" * 100,
        b"%PDF-1.4\n" + b"[" * 5000,  # nesting deep enough to exhaust a recursive parser
    ],
)
def test_hostile_bytes_are_refused_with_a_message(draft, freelancer, content):
    extension = {b"\x89": ".png", b"\xff": ".jpg", b"%": ".pdf"}[content[:1]]
    assert refused(draft, freelancer, f"x{extension}", content).code.endswith("unreadable")


def test_decompression_bomb_is_refused(draft, freelancer, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refused(draft, freelancer, "cnic.png", png_bytes(size=(100, 100))).code == "image_too_many_pixels"


def test_jpeg_is_stored_without_its_gps_location(draft, freelancer):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture does carry a location

    document = document_add(
        registration=draft, user=freelancer, kind="cnic_front", file=upload("IMG_2041.JPG", original)
    )

    stored = document.file.read()
    document.file.close()
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG"
    assert picture.size == (64, 48)
    assert not picture.getexif().get_ifd(0x8825)
    assert not picture.getexif()
    assert b"PhoneMaker" not in stored
    assert document.content_type == "image/jpeg"
    assert document.size == len(stored)


def test_stored_under_a_generated_name_outside_media(draft, freelancer, document_root, settings):
    document = document_add(
        registration=draft, user=freelancer, kind="cnic_back", file=upload("../../etc/My CNIC.png", png_bytes())
    )
    assert document.file.name.startswith("documents/")
    assert document.file.name.endswith(".png")
    assert "CNIC" not in document.file.name
    assert (document_root / document.file.name).is_file()
    assert not str(document_root).startswith(str(settings.MEDIA_ROOT))
    assert document.file_name == "My CNIC.png"


def test_control_characters_never_reach_the_shown_name(draft, freelancer):
    document = document_add(
        registration=draft, user=freelancer, kind="cnic_back", file=upload("C:\\scans\\cnic\x00\u202e.png", png_bytes())
    )
    assert document.file_name == "cnic.png"


def test_a_file_without_an_extension_is_judged_by_its_content(draft, freelancer):
    document = document_add(
        registration=draft, user=freelancer, kind="work_proof", file=upload("contract", pdf_bytes())
    )
    assert document.content_type == "application/pdf"
    assert document.file.name.endswith(".pdf")
