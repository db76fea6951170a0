"""The published schema holds from outside: the `schemathesis` CLI with every check, against gunicorn and a Celery
worker on the test's PostgreSQL database, once for each token scope and once with none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.contract_world import make_contract_world
from tests.integration.test_token_revocation_web import Gunicorn
from tests.workers import ROOT

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
# Few examples and a fixed seed in CI; `make contract` runs more, with a random seed. One worker thread: on
# CPython 3.11.7 hypothesis's ast.parse in two threads at once can fail with "AST constructor recursion depth
# mismatch", an error of the interpreter, not of the API.
EXAMPLES, SEED = 10, 20261202


@pytest.fixture
def live_portal(workers, tmp_path, monkeypatch):
    tokens = make_contract_world()
    for scope in ("APPLICANT", "OPERATOR", "STAFF", "ANON", "USER"):
        monkeypatch.setenv(f"API_THROTTLE_{scope}", "100000/minute")  # schemathesis is one fast caller per scope
    monkeypatch.setenv("DEBUG", "0")  # production's shape: no browsable API, no technical error pages
    monkeypatch.setenv("ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    monkeypatch.setenv("DOCUMENT_ROOT", str(settings.DOCUMENT_ROOT))
    monkeypatch.setenv("SECRET_KEY", "contract-test-secret-key-that-is-long-enough-0123456789")
    monkeypatch.setenv("SECURE_SSL_REDIRECT", "0")
    monkeypatch.setenv("STATIC_MANIFEST", "0")
    workers()  # bulk uploads schemathesis sends are read by a real worker
    server = Gunicorn(tmp_path)
    yield f"http://127.0.0.1:{server.port}", tokens
    server.stop()


def test_every_scope_finds_the_api_as_its_schema_says(live_portal, tmp_path):
    url, tokens = live_portal
    failures = {}
    for scope, key in tokens.items():
        command = [
            SCHEMATHESIS, "run", f"{url}/api/schema/?format=json", "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(EXAMPLES), "--seed", str(SEED),
            "--generation-database", "none", "--no-color", "--workers", "1", "--request-timeout", "20",
        ]  # fmt: skip
        if key:
            command += ["-H", f"Authorization: Token {key}"]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=150, env=os.environ)
        (tmp_path / f"schemathesis-{scope}.txt").write_text(run.stdout + run.stderr)
        if run.returncode:
            failures[scope] = run.stdout[-6000:] + run.stderr[-2000:]
    assert not failures, "\n\n".join(f"== {scope}\n{output}" for scope, output in failures.items())
