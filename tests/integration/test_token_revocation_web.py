"""A revoked token, or a disabled account's, is refused on the very next request to any web process: two gunicorn
workers that both keep the verified token, on Redis and the test's PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from applicants.models import User
from tests.factories import make_operator, token_for
from tests.workers import REDIS_URL, ROOT, database_url_for_another_process, wait_for

pytestmark = [pytest.mark.xdist_group("redis"), pytest.mark.django_db(transaction=True)]


class Gunicorn:
    """`gunicorn` with two sync workers; its access log names the worker (pid) that answered each request."""

    def __init__(self, tmp_path: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_another_process(),
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "API_TOKEN_CACHE_SECONDS": "3600",  # without the revocation stamp, a kept token would serve for an hour
        }
        command = [
            sys.executable, "-m", "gunicorn", "registration_portal.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--worker-class", "sync",
            "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",
            "--error-logfile", str(self.error_log),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        wait_for(self._answers, timeout=60, what="gunicorn to answer")

    def _answers(self) -> bool:
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def get(self, path: str, key: str | None = None, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        if key:
            request.add_header("Authorization", f"Token {key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def workers_answering(self, path: str, status: int) -> set[str]:
        """The pids of the workers that answered `path` with `status`, from the access log."""
        lines = (line.split() for line in self.access_log.read_text().splitlines())
        return {pid for pid, code, _method, url in lines if url == path and code == str(status)}

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def gunicorn(broker_redis, transactional_db, tmp_path):
    server = Gunicorn(tmp_path)
    yield server
    server.stop()


CHECK = "/api/v1/whitelist/check/"
REGISTRATIONS = "/api/v1/registrations/"


def warm_both_workers(server: Gunicorn, path: str, key: str) -> None:
    """Concurrent requests until each of the two workers has verified and kept the token."""
    with ThreadPoolExecutor(max_workers=6) as pool:

        def both_kept() -> bool:
            statuses = list(pool.map(lambda _: server.get(path, key)[0], range(12)))
            assert set(statuses) == {200}, statuses
            return len(server.workers_answering(path.split("?")[0], 200)) == 2

        wait_for(both_kept, timeout=30, what="both workers to serve the token")


def statuses_from_both_workers(server: Gunicorn, path: str, key: str) -> set[int]:
    with ThreadPoolExecutor(max_workers=6) as pool:
        return set(pool.map(lambda _: server.get(path, key)[0], range(24)))


def test_a_revoked_token_is_refused_by_every_worker_on_the_next_request(gunicorn, freelancer):
    key = token_for(freelancer)
    warm_both_workers(gunicorn, REGISTRATIONS, key)

    assert gunicorn.get("/api/v1/auth/token/", key, method="DELETE")[0] == 204  # in one of the two workers
    assert statuses_from_both_workers(gunicorn, REGISTRATIONS, key) == {401}
    assert len(gunicorn.workers_answering(REGISTRATIONS, 401)) == 2


def test_a_disabled_accounts_token_is_refused_by_every_worker_on_the_next_request(gunicorn):
    operator = make_operator()
    key = token_for(operator)
    warm_both_workers(gunicorn, f"{CHECK}?ip=111.68.96.10", key)

    operator = User.objects.get(pk=operator.pk)
    operator.is_active = False
    operator.save()  # as the admin's change form does

    assert statuses_from_both_workers(gunicorn, f"{CHECK}?ip=111.68.96.10", key) == {401}
    assert len(gunicorn.workers_answering(CHECK, 401)) == 2
