"""Real `celery worker` processes on the local Redis and the test's PostgreSQL database (integration and
browser tests)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from registration_portal.celery import app as celery_app
from tests.needs import needs

ROOT = Path(__file__).resolve().parents[1]
# Each test process publishes to queues of its own, so parallel processes and earlier runs never share messages.
TEST_QUEUE = f"test-{uuid.uuid4().hex[:8]}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
REDIS_URL = os.environ.get("REDIS_URL", "")


def wait_for(condition: Callable[[], object], *, timeout: float = 30.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def database_url_for_another_process() -> str:
    """The test database as a URL for another process: a host and port, or the embedded server's socket directory."""
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    address = quote(host, safe="") if host.startswith("/") else f"{host}:{settings['PORT'] or 5432}"
    return f"postgres://{settings['USER']}@{address}/{settings['NAME']}"


class Worker:
    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.tmp_path = tmp_path
        self.extra_env = env
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_another_process(),
            "REDIS_URL": REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
            "VERIFICATION_SWEEP_EVERY": "1",
            "VERIFICATION_REDISPATCH_AFTER": "2",
            "NOTIFICATION_SWEEP_EVERY": "1",
            "NOTIFICATION_REDISPATCH_AFTER": "2",
            "NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "BULK_UPLOAD_SWEEP_EVERY": "1",
            "BULK_UPLOAD_REDISPATCH_AFTER": "2",
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            **self.extra_env,
        }
        queues = ",".join([TEST_QUEUE, f"{TEST_QUEUE}.verification", f"{TEST_QUEUE}.notifications"])
        command = [
            sys.executable, "-m", "celery", "-A", "registration_portal", "worker", "--beat",
            "--schedule", str(self.tmp_path / f"beat-{uuid.uuid4().hex[:6]}"),
            "-Q", queues, "--pool", "solo", "-n", f"{TEST_QUEUE}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
        ]  # fmt: skip
        # A session of its own, so that killing it takes its embedded beat process along.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for(lambda: " ready." in self.log.read_text() or self.process.poll() is not None, what="worker start")
        assert self.process.poll() is None, self.log.read_text()
        return self

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: no chance to acknowledge or clean up."""
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        self._signal(signal.SIGKILL)  # whatever of its group outlived it

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


@pytest.fixture
def broker_redis():
    needs(bool(REDIS_URL), "needs REDIS_URL")
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    _forget_messages(client)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield client
    celery_app.conf.task_always_eager = previous
    _forget_messages(client)


def _forget_messages(client: redis.Redis) -> None:
    """Drop this process's queues, and what a killed worker left unacknowledged, so tests start clean."""
    client.delete(TEST_QUEUE, f"{TEST_QUEUE}.verification", f"{TEST_QUEUE}.notifications", "unacked", "unacked_index")


@pytest.fixture
def workers(broker_redis, transactional_db, tmp_path):
    """Start workers with `workers()`; every one is stopped before the database is flushed."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        started.append(Worker(tmp_path, env).start())
        return started[-1]

    yield start
    for worker in started:
        worker.stop()
