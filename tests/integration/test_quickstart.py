"""`make run`'s program: gunicorn, a Celery worker and beat on the file broker; a submission is verified by the
worker, and Ctrl-C stops every process it started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import psutil
import pytest

from tests.workers import ROOT, database_url_for_another_process, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port: int, path: str, body: dict | None = None, token: str | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    data = json.dumps(body).encode() if body else None
    with urllib.request.urlopen(request, data, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def test_the_quick_start_serves_verifies_with_its_worker_and_stops_everything_on_ctrl_c(tmp_path):
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DEBUG": "1",
        "DATABASE_URL": database_url_for_another_process(),
        "BROKER_DIR": str(tmp_path / "broker"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORTAL_PORT": str(port),
        "PORTAL_ENV_FILE": str(tmp_path / ".env"),
        "VERIFICATION_SWEEP_EVERY": "2",
        "DOCUMENTS_REQUIRED": "0",  # the flow without uploading the checklist's documents, as README says
    }
    log = (tmp_path / "quickstart.log").open("w")
    runner = subprocess.Popen(
        [sys.executable, "-m", "registration_portal.quickstart"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: "celery@" in (tmp_path / "quickstart.log").read_text(), timeout=90, what="the worker")
        wait_for(lambda: _answers(port), timeout=60, what="gunicorn")
        assert (tmp_path / ".env").read_text().splitlines()[-1] == "DEBUG=1"
        started = psutil.Process(runner.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in started)
        assert "gunicorn" in names and "celery" in names and " worker " in names and " beat " in names

        token = call(port, "/api/v1/auth/token/", {"email": "freelancer@demo.pk", "password": "demo-pass-2026"})
        entries = [{"network": "111.68.96.99"}]
        created = call(
            port, "/api/v1/registrations/",
            {"purpose": "freelancing", "purpose_detail": "Client work for a UK agency", "isp": "ptcl",
             "vpn_type": "wireguard", "entries": entries},
            token["token"],
        )  # fmt: skip
        assert created["status"] == "submitted"  # answered before verification: the worker does it
        path = f"/api/v1/registrations/{created['reference']}/"
        wait_for(lambda: call(port, path, token=token["token"])["status"] == "under_review", what="verification")
    finally:
        os.killpg(runner.pid, signal.SIGINT)  # as Ctrl-C in the terminal
        runner.wait(timeout=60)
    assert not [child for child in started if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]


def _answers(port: int) -> bool:
    try:
        return call(port, "/readyz")["status"] == "ok"
    except OSError:
        return False
