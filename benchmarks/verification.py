"""Verification of a 1,000-entry registration against 1,000,000 existing entries; loading delegation data.

    .venv/bin/python -m benchmarks.verification            # medians of 5 and 3 runs
Targets (issue 3): verification under 5 s; a 200,000-line delegation file under 20 s.
"""

from __future__ import annotations

import io
import random
import tempfile
import time

from benchmarks.common import EXISTING, median_seconds, report, seed_existing_entries, setup_django

NEW_ENTRIES = 1_000
DELEGATION_LINES = 200_000


def new_registration(rng: random.Random):
    from applicants.models import Applicant, User
    from core.networks import parse_network
    from vpn_records import services

    # Another applicant than the one holding the million entries, so that overlaps are conflicts.
    user = User.objects.filter(email="bench-new@example.pk").first() or User.objects.create_user(
        email="bench-new@example.pk",
        password=None,
        applicant=Applicant.objects.create(
            kind="freelancer", full_name="New", cnic="4210112345671", mobile="+923001234568", city="Karachi"
        ),
    )
    top = 61 * EXISTING * 2
    networks = {
        parse_network(f"{__import__('ipaddress').IPv4Address(0x0B000000 + rng.randrange(top))}")
        for _ in range(NEW_ENTRIES)
    }
    registration = services.registration_create(
        user=user, purpose="freelancing", purpose_detail="bench", isp="ptcl", vpn_type="wireguard",
        networks=sorted(networks),
    )  # fmt: skip
    services.registration_submit(registration=registration, user=user)
    return registration


def bench_verification() -> list[tuple[str, float, str]]:
    from django.db import connection

    from core.fields import NetOverlaps
    from vpn_records import services
    from vpn_records.models import Registration, Status

    Registration.objects.exclude(reference__startswith="BENCH-").delete()  # what an earlier run registered
    rng = random.Random(2026)
    registrations = [new_registration(rng) for _ in range(5)]
    pending = iter(registrations)
    ours, runs = median_seconds(lambda: services.registration_verify(registration_id=next(pending).pk), repeat=5)
    for registration in registrations:
        registration.refresh_from_db()
        assert registration.status == Status.UNDER_REVIEW, registration.status
    conflicts = sum(1 for r in registrations for e in r.entries.all() for f in e.reasons if f["code"] == "conflict")

    probes = [str(e.network) for e in registrations[0].entries.all()]

    def overlap_query(condition: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM unnest(%s::cidr[]) p(net) JOIN vpn_records_ipentry e ON {condition}",
                    [probes],
                )
                cursor.fetchone()

        return run

    raw, _ = median_seconds(overlap_query(NetOverlaps.postgres_sql("e.network", "p.net")), repeat=5)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("CREATE INDEX bench_inet_ops ON vpn_records_ipentry USING gist (network inet_ops)")
        built = time.perf_counter() - started
    try:
        inet_ops, _ = median_seconds(overlap_query("e.network && p.net"), repeat=3)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX bench_inet_ops")
    return [
        (f"verify {NEW_ENTRIES:,} entries vs {EXISTING:,} (ours, all checks)", ours,
         f"runs {', '.join(f'{t:.2f}' for t in runs)}; {conflicts} conflicts found; target < 5 s"),
        ("PostgreSQL alone: the same overlap query, raw SQL", raw, "the floor for the conflict check alone"),
        ("PostgreSQL alone: && on the usual GiST inet_ops", inet_ops, f"index built in {built:.0f} s; not used"),
    ]  # fmt: skip


def delegation_file(path: str) -> None:
    rng = random.Random(7)
    countries = ["PK"] * 3 + ["AE", "IN", "CN", "AU", "SG"]
    with open(path, "w") as out:
        out.write(f"2|apnic|20261122|{DELEGATION_LINES}|19830613|20261121|+1000\n")
        for i in range(DELEGATION_LINES):
            if i % 4 == 3:
                out.write(f"apnic|{rng.choice(countries)}|ipv6|2400:{i:x}::|32|20100101|allocated|A{i}\n")
            else:
                count = rng.choice([256, 512, 1024, 768, 4096])
                out.write(f"apnic|{rng.choice(countries)}|ipv4|{1 + i // 65536}.{(i // 256) % 256}.{i % 256}.0|"
                          f"{count}|20100101|allocated|A{i}\n")  # fmt: skip


def bench_delegation_load() -> list[tuple[str, float, str]]:
    from django.db import connection

    from vpn_records.allocations import LoadResult, allocations_load, parse_delegated

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        path = handle.name
    delegation_file(path)

    def load():
        with open(path) as lines:
            allocations_load(lines=lines)

    ours, runs = median_seconds(load, repeat=3)
    with open(path) as lines:
        rows = list(parse_delegated(lines, LoadResult()))
    text = "".join("\t".join(row[:4]) + "\n" for row in rows)

    def raw_copy():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE copy_ref (network cidr, country text, registry text, status text)")
            cursor.execute("CREATE INDEX ON copy_ref USING gist (network inet_ops)")
            cursor.copy_expert("COPY copy_ref FROM STDIN", io.StringIO(text))
            cursor.execute("DROP TABLE copy_ref")

    raw, _ = median_seconds(raw_copy, repeat=3)
    return [
        (f"load {DELEGATION_LINES:,}-line delegation file (ours: parse + COPY)", ours,
         f"runs {', '.join(f'{t:.2f}' for t in runs)}; {len(rows):,} blocks; target < 20 s"),
        ("PostgreSQL alone: COPY of the parsed rows, GiST", raw, "no parsing, no replace transaction"),
    ]  # fmt: skip


def main() -> None:
    setup_django()
    seed_existing_entries()
    report("Verification (median of 5)", bench_verification())
    report("Delegation data (median of 3)", bench_delegation_load())


if __name__ == "__main__":
    main()
