"""Shared set-up for benchmarks: a PostgreSQL database of their own, migrated, and timing helpers."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXISTING = 1_000_000
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")


def create_database(url: str) -> None:
    """Create the PostgreSQL database `url` names, unless it exists."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(*, migrate: bool = True) -> None:
    """Point Django at the benchmark database (created if missing) and migrate it, unless told not to."""
    create_database(BENCH_DATABASE_URL)
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="registration_portal.settings",
        DATABASE_URL=BENCH_DATABASE_URL,
        DEBUG="1",
        ALLOWED_HOSTS="localhost,testserver",
        LOG_LEVEL="WARNING",
        DOCUMENTS_REQUIRED="0",  # the benchmarks time verification and uploads, not the documents checklist
    )
    os.environ.pop("REDIS_URL", None)  # tasks in-process: the benchmark times the work, not the broker
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:  # a worker process measured for memory skips it: loading every migration is not its work
        call_command("migrate", verbosity=0)

    from registration_portal.celery import app

    app.conf.task_always_eager = False  # publish to the in-memory broker: each benchmark runs the task itself


def median_seconds(run: Callable[[], object], *, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Rows of a name, a figure (formatted) and a note, the names aligned."""
    print(f"\n{title}")
    width = max(len(name) for name, _figure, _note in rows)
    for name, figure, note in rows:
        print(f"  {name:<{width}}  {figure}  {note}")


def report(title: str, rows: list[tuple[str, float, str]]) -> None:
    table(title, [(name, f"{seconds:8.3f} s", note) for name, seconds, note in rows])


def runs_text(values: list[float], digits: int) -> str:
    """Each run's figure, for the notes."""
    return ", ".join(f"{value:.{digits}f}" for value in values)


def seed_existing_entries() -> None:
    """1,000,000 active entries in 200,000 registrations, generated inside PostgreSQL."""
    from django.db import connection

    from applicants.models import Applicant, User
    from vpn_records.models import IpEntry

    if IpEntry.objects.count() >= EXISTING:
        return
    started = time.perf_counter()
    applicant = Applicant.objects.create(
        kind="freelancer", full_name="Bench", cnic="3520212345673", mobile="+923001234567", city="Lahore"
    )
    user = User.objects.create_user(email="bench@example.pk", password=None, applicant=applicant)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO vpn_records_registration (reference, applicant_id, created_by_id, purpose, purpose_detail,
                isp, isp_other, vpn_type, status, submitted_at, decided_at, identity_findings, entry_count,
                verification_outcome, created_at, updated_at)
            SELECT 'BENCH-' || g, %s, %s, 'freelancing', 'bench', 'ptcl', '', 'wireguard', 'approved',
                now() - interval '1 minute' * g, now(), '[]', 5, 'pass', now(), now()
            FROM generate_series(1, %s) g
            """,
            [applicant.pk, user.pk, EXISTING // 5],
        )
        # Addresses spread over 11.0.0.0 upwards, five per registration, every one distinct.
        cursor.execute(
            """
            INSERT INTO vpn_records_ipentry (registration_id, network, status, reasons, site, vpn_type, notes,
                created_at, updated_at)
            SELECT r.id, set_masklen('11.0.0.0'::inet + (r.id * 5 + k) * 61, 32)::cidr, 'approved', '[]', '', '', '',
                now(), now()
            FROM vpn_records_registration r CROSS JOIN generate_series(0, 4) k
            WHERE r.reference LIKE 'BENCH-%%'
            """
        )
        cursor.execute("ANALYZE")
    print(f"seeded {EXISTING:,} entries in {time.perf_counter() - started:.1f} s")
