"""Under gunicorn with production settings, a file over the upload limit by any amount gets the documented 400
`too_large` in JSON, and nothing of it reaches the disk."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from tests.factories import make_company_user, token_for
from tests.integration.test_token_revocation_web import Gunicorn

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]
BATCH = {"purpose": "it_export", "purpose_detail": "Offshore development team.", "isp": "nayatel", "vpn_type": "ipsec"}


def multipart(file_bytes: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in BATCH.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ips.csv"\r\n'
    parts.append(head.encode() + b"Content-Type: text/csv\r\n\r\n" + file_bytes + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("BULK_UPLOAD_MAX_MB", "1")
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    web = Gunicorn(tmp_path)
    yield web
    web.stop()


@pytest.mark.parametrize("over", [1_000, 200_000, 3_000_000])
def test_an_upload_over_the_limit_by_any_amount_is_a_clear_400(server, tmp_path, over):
    key = token_for(make_company_user(email=f"admin{over}@induscode.pk"))
    body, content_type = multipart(b"ip\n" + b"111.68.96.10\n" * ((1_000_000 + over) // 13))
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/v1/bulk-uploads/", data=body, method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": content_type},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback only
    assert answer.value.code == 400
    error = json.loads(answer.value.read())["errors"][0]
    assert (error["field"], error["code"]) == ("file", "too_large")
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.csv"))
