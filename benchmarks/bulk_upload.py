"""A company's bulk upload of a 100,000-row CSV, end to end, on an empty entries table and on 1,000,000 entries.

    .venv/bin/python -m benchmarks.bulk_upload            # medians of 3 runs on each database
Targets (bulk upload issue): upload to stored, verified entries with the error report ready in under 20 s
(the product aims at 10 s); peak worker memory under 300 MB; 1,000,000 existing entries no more than 1.5x slower.

The file: 100,000 rows (ip, site, vpn_type, notes), ~3% invalid by construction — bad syntax, private 10.x,
the same network twice in the file, an unknown VPN type — and public networks (mostly /32, some /28, a few
IPv6) drawn from 11.0.0.0 upwards, where `seed_existing_entries` puts one /32 every 61 addresses: about 2% of
the rows overlap another applicant's entry there, so the conflict check finds real work (and rejects them).

Each run is a fresh child process, as a worker is: it deletes what the previous run registered (raw SQL, then
VACUUM ANALYZE so dead index entries do not slow the next run), then times `bulk_upload_create` (dispatch=False),
`bulk_upload_process` and the error report rendered to CSV bytes (`csv_lines(error_report_rows(...))`),
and reports its own `ru_maxrss`. The "empty" case runs on a database of its own, BENCH_DATABASE_URL + "_empty",
migrated but never seeded, so it stays empty however often the benchmark runs; runs alternate between the two
databases so that load from elsewhere on the machine falls on both alike. Neither holds delegation data
(`allocations_load` of verification.py puts some in the main one, outside 11.0.0.0/8): every accepted row
carries the "allocation unknown" warning.

    .venv/bin/python -m benchmarks.bulk_upload run FILE.csv --profile out.prof   # one run, under cProfile
(with BENCH_DATABASE_URL naming the database; make the file with `... csv FILE.csv`).
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    BENCH_DATABASE_URL,
    EXISTING,
    median_seconds,
    report,
    runs_text,
    seed_existing_entries,
    setup_django,
    table,
)

ROWS = 100_000
REPEAT = 3
COMPANY_EMAIL = "bench-company@example.pk"
EMPTY_DATABASE_URL = BENCH_DATABASE_URL + "_empty"
RESULT = "RESULT "  # the child's last line of output: its measurements as JSON
BASE = int(ipaddress.IPv4Address("11.0.0.0"))
SPAN = 61 * (EXISTING + 5)  # the seeded region: /32s at 11.0.0.0 + 61·n
VPN_TYPES = ["", "", "", "WireGuard", "ipsec", "OpenVPN", "ssl_tls"]
BAD_VPN_TYPES = ["pptp", "L2TP", "vpn", "Cisco AnyConnect"]
SITES = ["Lahore office", "Karachi DC", "Islamabad HQ", "Faisalabad branch", ""]


# The file


def write_csv(path: Path) -> dict[str, int]:
    """The benchmark's file; returns how many rows of each invalid kind it holds."""
    rng = random.Random(2026)
    used: set[str] = set()
    valid: list[str] = []
    kinds = dict.fromkeys(["syntax", "private", "duplicate", "vpn_type"], 0)

    def fresh() -> str:
        while True:
            draw = rng.random()
            if draw < 0.01:
                text = str(ipaddress.IPv6Address(0x2400CB00 << 96 | rng.getrandbits(64)))
            elif draw < 0.03:
                text = f"{ipaddress.IPv4Address((BASE + rng.randrange(SPAN)) & ~0xF)}/28"
            else:
                text = str(ipaddress.IPv4Address(BASE + rng.randrange(SPAN)))
            if text not in used:
                used.add(text)
                return text

    def syntax_error() -> str:
        a, b = rng.randrange(256), rng.randrange(256)
        return rng.choice(
            [f"11.{a}.{300 + b}.7", f"11.{a}.{b}.7/33", f"11.{a}.{b}.5/24", "not an address", f"11.{a}.{b}",
             f"11.{a}.{b}.1.5", f"2400:zz::{a:x}", f"11,{a},{b},9"]
        )  # fmt: skip

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ip", "site", "vpn_type", "notes"])
        for number in range(ROWS):
            site = f"{rng.choice(SITES)} {rng.randrange(100)}".strip()
            vpn_type, notes = rng.choice(VPN_TYPES), (f"gateway {number}" if number % 3 else "")
            draw = rng.random()
            if draw < 0.0075:
                kinds["syntax"] += 1
                ip = syntax_error()
            elif draw < 0.015:
                kinds["private"] += 1
                ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            elif draw < 0.0225 and valid:
                kinds["duplicate"] += 1
                earlier = rng.choice(valid)
                prefix = "" if "/" in earlier else "/128" if ":" in earlier else "/32"
                ip = rng.choice([earlier, f" {earlier} ", f"{earlier}{prefix}"])
            elif draw < 0.03:
                kinds["vpn_type"] += 1
                ip, vpn_type = fresh(), rng.choice(BAD_VPN_TYPES)
            else:
                ip = fresh()
                valid.append(ip)
            writer.writerow([ip, site, vpn_type, notes])
    return kinds


# One run, in a child process


def company_user():
    from applicants.models import User
    from tests.factories import make_company_user

    return User.objects.filter(email=COMPANY_EMAIL).first() or make_company_user(email=COMPANY_EMAIL)


def clean(user) -> None:
    """Delete what earlier runs registered, in SQL (no objects loaded: this process's memory is measured)."""
    from django.db import connection

    from bulk_uploads.models import BulkUpload, BulkUploadRow
    from notifications.models import Notification
    from vpn_records.models import IpEntry, Registration, StatusChange

    table = {model: model._meta.db_table for model in (Notification, BulkUpload, BulkUploadRow, IpEntry,
                                                         Registration, StatusChange)}  # fmt: skip
    registrations = f"SELECT id FROM {table[Registration]} WHERE applicant_id = %s"
    with connection.cursor() as cursor:
        for statement in [
            f"DELETE FROM {table[BulkUploadRow]} WHERE upload_id IN "
            f"(SELECT id FROM {table[BulkUpload]} WHERE applicant_id = %s)",
            f"DELETE FROM {table[BulkUpload]} WHERE applicant_id = %s",
            f"DELETE FROM {table[StatusChange]} WHERE registration_id IN ({registrations})",
            f"DELETE FROM {table[IpEntry]} WHERE registration_id IN ({registrations})",
            f"DELETE FROM {table[Registration]} WHERE applicant_id = %s",
        ]:
            cursor.execute(statement, [user.applicant_id])
        cursor.execute(f"DELETE FROM {table[Notification]} WHERE user_id = %s", [user.pk])
        cursor.execute(f"VACUUM ANALYZE {', '.join(table.values())}")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run_once(path: str, profile: str | None = None) -> dict:
    """Upload the file as the company user and process it here; the timings, counts and peak memory."""
    from django.core.files import File

    from bulk_uploads import services as bulk
    from bulk_uploads.models import BulkUpload, BulkUploadRow
    from core.csv_safety import csv_lines
    from vpn_records.models import IpEntry

    user = company_user()
    clean(user)
    existing = IpEntry.objects.count()
    ready = peak_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        upload = bulk.bulk_upload_create(
            user=user, file=File(handle, name=Path(path).name), purpose="it_export",
            purpose_detail="Benchmark upload.", isp="ptcl", vpn_type="wireguard", dispatch=False,
        )  # fmt: skip
    created = time.perf_counter()
    upload = bulk.bulk_upload_process(upload_id=upload.pk)
    processed = time.perf_counter()
    report_lines = report_bytes = 0
    for line in csv_lines(bulk.error_report_rows(upload)):
        report_lines, report_bytes = report_lines + 1, report_bytes + len(line)
    finished = time.perf_counter()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    assert upload.state == BulkUpload.State.COMPLETED, (upload.state, upload.failure)
    entries = IpEntry.objects.filter(registration_id=upload.registration_id).count()
    assert entries == upload.accepted_rows, (entries, upload.accepted_rows)
    return {
        "create": created - started,
        "process": processed - created,
        "report": finished - processed,
        "total": finished - started,
        "ready_mb": ready,
        "peak_mb": peak_mb(),
        "existing": existing,
        "accepted": upload.accepted_rows,
        "rejected": upload.rejected_rows,
        "warned": upload.warning_rows,
        "conflicts": BulkUploadRow.objects.filter(upload=upload, errors__contains=[{"finding": "conflict"}]).count(),
        "report_lines": report_lines - 1,  # the BOM and header are one line
        "report_kb": report_bytes / 1024,
    }


def child(*arguments: str, database_url: str, media_root: str) -> dict | None:
    """Run this module in a fresh interpreter on `database_url`; its RESULT, if it printed one."""
    environment = os.environ | {"BENCH_DATABASE_URL": database_url, "MEDIA_ROOT": media_root}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bulk_upload", *arguments],
        cwd=Path(__file__).resolve().parent.parent, env=environment, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"child {' '.join(arguments)} on {database_url} failed")
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    return json.loads(results[-1][len(RESULT) :]) if results else None


# References, in this process


def stdlib_parse(path: Path) -> int:
    """The file read and judged with csv and ipaddress alone: no database, no stored rows. Rejects counted."""
    vpn_types = {"wireguard", "ipsec", "openvpn", "ssl_tls", "ssl/tls", "other"}
    seen: set = set()
    rejected = 0
    with path.open(newline="", encoding="utf-8") as lines:
        rows = csv.reader(lines)
        next(rows)
        for ip, _site, vpn_type, _notes in rows:
            try:
                network = ipaddress.ip_network(ip.strip())
            except ValueError:
                rejected += 1
                continue
            if not network.is_global or network in seen or (vpn_type and vpn_type.lower() not in vpn_types):
                rejected += 1
                continue
            seen.add(network)
    return rejected


def copy_text(path: Path) -> tuple[str, list[str]]:
    """The file's rows as COPY text (unparseable networks NULL), and its distinct parseable networks."""
    out, networks = io.StringIO(), {}
    with path.open(newline="", encoding="utf-8") as lines:
        rows = csv.reader(lines)
        next(rows)
        for number, (ip, site, vpn_type, notes) in enumerate(rows, start=2):
            try:
                network = str(ipaddress.ip_network(ip.strip()))
                networks[network] = None
            except ValueError:
                network = r"\N"
            out.write(f"{number}\t{network}\t{site}\t{vpn_type}\t{notes}\n")
    return out.getvalue(), list(networks)


def bench_references(path: Path) -> list[tuple[str, float, str]]:
    from django.db import connection

    from core.fields import NetOverlaps

    parsed, parse_runs = median_seconds(lambda: stdlib_parse(path), repeat=REPEAT)
    text, networks = copy_text(path)

    def raw_copy():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE copy_ref (row_number int, network cidr, site text, vpn_type text, notes text)"
            )
            cursor.execute("CREATE INDEX ON copy_ref (network)")
            cursor.execute("CREATE INDEX ON copy_ref USING gist (network inet_ops)")
            cursor.copy_expert("COPY copy_ref FROM STDIN", io.StringIO(text))
            cursor.execute("DROP TABLE copy_ref")

    copied, copy_runs = median_seconds(raw_copy, repeat=REPEAT)

    def overlap_query():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM unnest(%s::cidr[]) p(net) JOIN vpn_records_ipentry e ON "
                + NetOverlaps.postgres_sql("e.network", "p.net"),
                [networks],
            )
            return cursor.fetchone()[0]

    overlapped, overlap_runs = median_seconds(overlap_query, repeat=REPEAT)
    return [
        (f"PostgreSQL alone: COPY of the {ROWS:,} rows, btree + GiST", copied,
         f"runs {runs_text(copy_runs, 2)}; temp table, no parsing, no checks"),
        ("Python alone: csv + ipaddress parse and validate", parsed,
         f"runs {runs_text(parse_runs, 2)}; {stdlib_parse(path):,} rejected; no database"),
        (f"PostgreSQL alone: overlap join, {len(networks):,} networks vs {EXISTING:,}", overlapped,
         f"runs {runs_text(overlap_runs, 2)}; {overlap_query():,} overlaps; the conflict check's floor"),
    ]  # fmt: skip


def main() -> None:
    setup_django()
    seed_existing_entries()
    databases = {"empty": EMPTY_DATABASE_URL, "with": BENCH_DATABASE_URL}
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as workdir:
        path = Path(workdir) / "networks.csv"
        kinds, size = write_csv(path), path.stat().st_size
        media = str(Path(workdir) / "media")
        child("migrate", database_url=EMPTY_DATABASE_URL, media_root=media)
        runs: dict[str, list[dict]] = {label: [] for label in databases}
        for _ in range(REPEAT):
            for label, url in databases.items():
                runs[label].append(child("run", str(path), database_url=url, media_root=media))
        for url in databases.values():
            child("clean", database_url=url, media_root=media)
        references = bench_references(path)

    medians = {label: statistics.median(r["total"] for r in results) for label, results in runs.items()}
    ratio = medians["with"] / medians["empty"]
    print(
        f"\nfile: {ROWS:,} rows, {size / 1e6:.1f} MB; invalid by construction: "
        + ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        + f" ({sum(kinds.values()) / ROWS:.1%})"
    )
    rows = []
    for label, name in (("empty", "empty entries table"), ("with", f"{EXISTING:,} existing entries")):
        results, first = runs[label], runs[label][0]
        phases = "; ".join(
            f"{phase} {statistics.median(r[phase] for r in results):.2f}" for phase in ("create", "process", "report")
        )
        note = (
            f"runs {runs_text([r['total'] for r in results], 2)}; median {phases}; {first['accepted']:,} accepted "
            f"({first['warned']:,} warned), {first['rejected']:,} rejected ({first['conflicts']:,} conflicts), "
            f"report {first['report_lines']:,} lines; {first['existing']:,} entries before; target < 20 s, aim < 10 s"
        )
        if label == "with":
            note += f"; {ratio:.2f}x the empty table, bar <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'}"
        rows.append((f"upload {ROWS:,} rows, {name} (ours: create + process + report)", medians[label], note))
    report(f"Bulk upload, end to end (median of {REPEAT}, each run a fresh worker process)", rows + references)
    memory = []
    for label, name in (("empty", "empty entries table"), ("with", f"{EXISTING:,} existing entries")):
        peaks = [r["peak_mb"] for r in runs[label]]
        ready = statistics.median(r["ready_mb"] for r in runs[label])
        note = f"runs {', '.join(f'{p:.0f}' for p in peaks)}; {ready:.0f} MB before the upload; target < 300 MB"
        memory.append((name, max(peaks), note))
    table(
        "Peak worker memory (ru_maxrss of each run's process; the largest)",
        [(name, f"{megabytes:8.1f} MB", note) for name, megabytes, note in memory],
    )


def entry_point(arguments: list[str]) -> None:
    """`run FILE [--profile OUT]`, `migrate`, `clean`, `csv FILE`: the child's side, on BENCH_DATABASE_URL."""
    command, *rest = arguments
    if command == "csv":
        print(write_csv(Path(rest[0])))
        return
    if "MEDIA_ROOT" not in os.environ:  # never the project's media
        os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-bulk-media-")
    setup_django(migrate=command == "migrate")
    if command == "run":
        profile = rest[rest.index("--profile") + 1] if "--profile" in rest else None
        print(RESULT + json.dumps(run_once(rest[0], profile)))
    elif command == "clean":
        clean(company_user())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        entry_point(sys.argv[1:])
    else:
        main()
