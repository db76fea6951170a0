"""The whitelist API on 1,000,000 approved networks: the check endpoint under gunicorn, its lookup, the export.

    .venv/bin/python -m benchmarks.whitelist           # everything, medians of 3 runs: ~7 min (+2 min to seed)
    .venv/bin/python -m benchmarks.whitelist seed      # only create, migrate and seed the database
Needs wrk (Debian: apt-get install wrk). Targets (whitelist issue): the check endpoint served by gunicorn sustains
at least 1,000 requests/s with p99 under 20 ms from a loopback load generator; its database lookup is index-backed
and within 2x of the raw SQL lookup measured in the same run; the `.txt` export of 1,000,000 networks streams in
under 10 s with the web process under 150 MB (the product aims at ~3x PostgreSQL's COPY).

The database is its own (BENCH_WHITELIST_DATABASE_URL, default portal_bench_whitelist), seeded once in SQL:
1,000,000 approved entries, none overlapping another (~97% IPv4 /32s spread over public space by a bijective hash,
1% IPv4 /28 to /24, ~2% IPv6 /64 and /128), in ~78,000 registrations of 1 to 50 entries (most a few) held by
30,000 applicants; besides them 10,000 entries approved but past `valid_until` (the nightly expiry not run yet)
and 10,000 expired, which the API must not list. Probes: 10,000 addresses, half inside approved entries (/32s
themselves, hosts inside the larger networks), half not registered (inside lapsed or expired entries, or public
addresses no entry holds). Every answer is checked against them before anything is timed.

Gunicorn runs as in production (DEBUG=0, the throttle counting in Redis, an operator rate too high to refuse
anything, gunicorn.conf.py having each worker load its copy of the whitelist first; the runs start once every
worker has), bound to 127.0.0.1; wrk, one thread, 8 connections, rotates through the probes. The lookup is timed in
this process, from the copy and in its database form, beside raw SQL forms. Every gunicorn
configuration runs at once, each on a port of its own, and the load runs alternate between them, so that load from
elsewhere on the machine falls on all alike. Each one's reference is `/healthz` on the same server: gunicorn and the
whole middleware stack around a view that does nothing. The export is timed on a fresh gunicorn
with one worker of the best configuration, so that the peak memory (VmHWM) is the export's.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from benchmarks.common import ROOT, create_database, runs_text, table

DATABASE_URL = os.environ.get(
    "BENCH_WHITELIST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_whitelist"
)
APPROVED = 1_000_000
LAPSED = 10_000  # approved, but past valid_until: the nightly expiry has not run yet
EXPIRED = 10_000
APPLICANTS = 30_000
PROBES = 10_000
LOOKUP_PROBES = 3_000  # of them, timed in process
REPEAT = 3
OPERATOR_EMAIL = "ops@example.net"
# Non-global IPv4 space (RFC 6890 and friends): no seeded entry and no unregistered probe falls in it.
NON_GLOBAL_IPV4 = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/3",
]  # fmt: skip


def server_environment() -> dict[str, str]:
    """The environment of the processes measured: production settings on the benchmark database."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "registration_portal.settings",
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "API_THROTTLE_OPERATOR": "100000000/minute",
        "LOG_LEVEL": "INFO",  # as in production: a portal.access line a request, and each worker's copy loaded
    }


def setup_django() -> None:
    """This process on the benchmark database (created if missing, migrated), with the servers' settings."""
    create_database(DATABASE_URL)
    sys.path.insert(0, str(ROOT))
    os.environ.update(server_environment())
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# Seeding


def seed() -> None:
    """The entries, generated inside PostgreSQL; nothing if they are there (and still listed: they age)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'approved' AND valid_until >= current_date),"
            " count(*) FILTER (WHERE status = 'approved' AND valid_until < current_date),"
            " count(*) FILTER (WHERE status = 'expired') FROM vpn_records_ipentry"
        )
        if cursor.fetchone() == (APPROVED, LAPSED, EXPIRED):
            return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred foreign-key checks would forbid CREATE INDEX
        _clear(cursor)
        # Rebuilt after the load, whatever indexes the migrations define: one build beats a million inserts.
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = 'vpn_records_ipentry'::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        _candidates(cursor)
        _applicants(cursor)
        _registrations(cursor, first=0, count=APPROVED, prefix="WLB-", status="approved", days_ago=0)
        _registrations(cursor, first=APPROVED, count=LAPSED, prefix="WLB-L-", status="approved", days_ago=366)
        _registrations(cursor, first=APPROVED + LAPSED, count=EXPIRED, prefix="WLB-X-", status="expired", days_ago=400)
        for _name, definition in indexes:
            cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {APPROVED:,} approved, {LAPSED:,} lapsed and {EXPIRED:,} expired entries "
        f"in {time.perf_counter() - started:.0f} s"
    )


def _clear(cursor) -> None:
    """What an interrupted or smaller seed left: the seed's own rows only, by their markers."""
    cursor.execute("SELECT id FROM vpn_records_registration WHERE reference LIKE 'WLB-%%' LIMIT 1")
    if cursor.fetchone():
        cursor.execute(
            "DELETE FROM vpn_records_ipentry WHERE registration_id IN "
            "(SELECT id FROM vpn_records_registration WHERE reference LIKE 'WLB-%%')"
        )
        cursor.execute("DELETE FROM vpn_records_registration WHERE reference LIKE 'WLB-%%'")
    cursor.execute("DELETE FROM applicants_user WHERE email LIKE 'wlb-%%@example.pk'")
    cursor.execute("DELETE FROM applicants_applicant WHERE full_name LIKE 'WLB %%'")


def _candidates(cursor) -> None:
    """`seed_network(ordinal, network)`: 1,020,000 distinct, non-overlapping public networks in a random order.

    IPv4 addresses are a bijective hash of a counter over the whole 32-bit space, the non-global ones dropped;
    a /32 falling in the /24 of a larger network is dropped too, so nothing overlaps. IPv6 networks are numbered.
    """
    wanted = APPROVED + LAPSED + EXPIRED
    cursor.execute(
        """
        CREATE TEMP TABLE seed_raw ON COMMIT DROP AS
        SELECT n, CASE n %% 100
            WHEN 0 THEN format('2400:%%s:%%s::/64', to_hex(h >> 16), to_hex(h & 65535))::cidr
            WHEN 1 THEN format('2402:%%s:%%s:%%s::%%s/128', to_hex(h >> 16), to_hex(h & 65535), to_hex(n %% 65536),
                               to_hex(1 + n %% 4000))::cidr
            WHEN 2 THEN set_masklen('0.0.0.0'::inet + h, 24 + (n / 100) %% 5)::cidr
            ELSE set_masklen('0.0.0.0'::inet + h, 32)::cidr
          END AS network
        FROM (SELECT n, (n * 2654435761 + 97531) %% 4294967296 AS h FROM generate_series(1, %s) n) hashed
        """,
        [int(wanted * 1.25)],
    )
    cursor.execute(
        """
        CREATE TEMP TABLE seed_network ON COMMIT DROP AS
        WITH global AS (
            SELECT n, network FROM seed_raw
            WHERE family(network) = 6 OR NOT network <<= ANY(%s::cidr[])
        ), large AS (  -- one network a /24, the first drawn
            SELECT DISTINCT ON (set_masklen(network, 24)) n, network, set_masklen(network, 24) AS block
            FROM global WHERE family(network) = 4 AND masklen(network) < 32 ORDER BY set_masklen(network, 24), n
        ), kept AS (
            SELECT n, network FROM large
            UNION ALL
            SELECT n, network FROM global g
            WHERE family(network) = 6
               OR masklen(network) = 32
                  AND NOT EXISTS (SELECT 1 FROM large l WHERE l.block = set_masklen(g.network, 24))
        )
        SELECT (row_number() OVER (ORDER BY n) - 1)::int AS ordinal, network FROM kept ORDER BY n LIMIT %s
        """,
        [NON_GLOBAL_IPV4, wanted],
    )
    cursor.execute("CREATE UNIQUE INDEX ON seed_network (ordinal)")
    cursor.execute("SELECT count(*), count(DISTINCT network) FROM seed_network")
    rows, distinct = cursor.fetchone()
    assert rows == distinct == wanted, (rows, distinct, wanted)


def _applicants(cursor) -> None:
    """Applicants, four in five freelancers, each with one user; `seed_applicant(number, applicant_id, user_id)`.

    Through the ORM, so that columns added to either model later take their defaults.
    """
    from django.utils import timezone

    from applicants.models import Applicant, User

    confirmed = timezone.now()
    applicants = Applicant.objects.bulk_create([_applicant(number) for number in range(APPLICANTS)], batch_size=2000)
    users = User.objects.bulk_create(
        [
            User(email=f"wlb-{number}@example.pk", password="!", full_name=applicant.full_name, applicant=applicant,
                 email_confirmed_at=confirmed)
            for number, applicant in enumerate(applicants)
        ],
        batch_size=2000,
    )  # fmt: skip
    cursor.execute(
        "CREATE TEMP TABLE seed_applicant (number int PRIMARY KEY, applicant_id bigint, user_id bigint) ON COMMIT DROP"
    )
    cursor.execute(
        "INSERT INTO seed_applicant SELECT * FROM unnest(%s::int[], %s::bigint[], %s::bigint[])",
        [list(range(APPLICANTS)), [a.pk for a in applicants], [u.pk for u in users]],
    )


def _applicant(number: int):
    from applicants.models import Applicant

    common = {"mobile": f"+92300{number:07d}", "city": "Lahore", "full_name": f"WLB {number}"}
    if number % 5:
        return Applicant(kind="freelancer", cnic=f"{3520200000000 + number}", **common)
    return Applicant(
        kind="company", legal_name=f"WLB {number} (Private) Limited", ntn=f"{number:07d}", secp_number=f"SECP-{number}",
        authorised_person_name=f"Authorised {number}", authorised_person_cnic=f"{4210100000000 + number}", **common,
    )  # fmt: skip


def _registrations(cursor, *, first: int, count: int, prefix: str, status: str, days_ago: int) -> None:
    """Registrations holding the candidates `first` to `first + count - 1`, 1 to 50 entries each (most few),
    decided up to 300 days after `days_ago` days ago and valid for 365 days from then."""
    cursor.execute(
        """
        CREATE TEMP TABLE seed_registration ON COMMIT DROP AS
        WITH sized AS (
            SELECT g, 1 + floor(49 * power(((g * 2654435761) %% 1000003) / 1000003.0, 3))::int AS size
            FROM generate_series(1, %(count)s) g
        ), placed AS (
            SELECT g, size, sum(size) OVER (ORDER BY g) - size AS start FROM sized
        )
        SELECT g, start + %(first)s AS start, least(size, %(count)s - start)::int AS size FROM placed
        WHERE start < %(count)s
        """,
        {"count": count, "first": first},
    )
    cursor.execute(
        """
        CREATE TEMP TABLE seed_registration_id ON COMMIT DROP AS
        WITH made AS (
            INSERT INTO vpn_records_registration (reference, applicant_id, created_by_id, purpose, purpose_detail,
                isp, isp_other, vpn_type, status, submitted_at, decided_at, valid_until, entry_count,
                verification_outcome, identity_findings, created_at, updated_at)
            SELECT %(prefix)s || r.g, a.applicant_id, a.user_id,
                (ARRAY['it_export', 'freelancing', 'call_centre', 'banking', 'research'])[1 + r.g %% 5],
                'Remote work for clients abroad.',
                (ARRAY['ptcl', 'nayatel', 'stormfiber', 'transworld', 'wateen', 'jazz', 'zong'])[1 + r.g %% 7], '',
                (ARRAY['ipsec', 'openvpn', 'wireguard', 'ssl_tls'])[1 + r.g %% 4], %(status)s,
                d.decided - interval '3 days', d.decided, d.decided::date + 365, r.size, 'pass', '[]',
                d.decided - interval '4 days', d.decided
            FROM seed_registration r
            JOIN seed_applicant a ON a.number = (r.g * 7919) %% %(applicants)s
            CROSS JOIN LATERAL (SELECT now() - interval '1 day' * (%(days_ago)s + r.g %% 300)
                - interval '1 minute' * (r.g %% 1440) AS decided) d
            RETURNING id, reference
        )
        SELECT r.g, r.start, r.size, m.id FROM made m JOIN seed_registration r ON m.reference = %(prefix)s || r.g
        """,
        {"prefix": prefix, "status": status, "days_ago": days_ago, "applicants": APPLICANTS},
    )
    cursor.execute(
        """
        INSERT INTO vpn_records_ipentry (registration_id, network, status, reasons, site, vpn_type, notes,
            source_row, decided_at, valid_until, created_at, updated_at)
        SELECT r.id, s.network, reg.status, '[]', '', '', '', NULL, reg.decided_at, reg.valid_until,
            reg.created_at, reg.decided_at
        FROM seed_registration_id r
        JOIN vpn_records_registration reg ON reg.id = r.id
        CROSS JOIN LATERAL generate_series(r.start, r.start + r.size - 1) k
        JOIN seed_network s ON s.ordinal = k
        """
    )
    cursor.execute("DROP TABLE seed_registration, seed_registration_id")


# Probes and the token


@dataclass(frozen=True)
class Probe:
    ip: str
    network: str | None  # the approved network the answer must name; None: not registered


def make_probes() -> list[Probe]:
    """Half inside approved entries, half not registered (inside expired entries, or held by no entry)."""
    from django.db import connection

    rng = random.Random(2026)
    half = PROBES // 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT network::text FROM vpn_records_ipentry WHERE status = 'approved' AND id %% 97 = 5"
            " ORDER BY id LIMIT %s",
            [half],
        )
        approved = [ipaddress.ip_network(network) for (network,) in cursor.fetchall()]
        cursor.execute(
            "SELECT network::text FROM vpn_records_ipentry WHERE id %% 13 = 5"
            " AND (status = 'expired' OR status = 'approved' AND valid_until < current_date)"
            " ORDER BY id LIMIT %s",
            [half // 5],
        )
        expired = [ipaddress.ip_network(network) for (network,) in cursor.fetchall()]
    registered = [Probe(str(_host_inside(network, rng)), str(network)) for network in approved]
    unregistered = [str(_host_inside(network, rng)) for network in expired]
    while len(unregistered) < half:
        unregistered += _unheld(rng, half - len(unregistered))
    probes = registered + [Probe(ip, None) for ip in unregistered[:half]]
    rng.shuffle(probes)
    return probes


def _host_inside(network, rng: random.Random):
    return network.network_address + rng.randrange(min(network.num_addresses, 2**63))


def _unheld(rng: random.Random, count: int) -> list[str]:
    """`count` or fewer global addresses (a tenth IPv6, in the seeded /64s' region) that no listed entry holds."""
    from django.db import connection

    drawn = set()
    while len(drawn) < count:
        if rng.random() < 0.1:
            address = ipaddress.IPv6Address(0x2400 << 112 | rng.getrandbits(64) << 48 | rng.getrandbits(48))
        else:
            address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global:
            drawn.add(str(address))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT host(p) FROM unnest(%s::inet[]) p WHERE NOT EXISTS (
                SELECT 1 FROM vpn_records_ipentry e
                WHERE cidr_key_range(e.network)
                      @> cidr_key_range(set_masklen(p, CASE family(p) WHEN 4 THEN 32 ELSE 128 END)::cidr)
                  AND e.network >>= p AND e.status = 'approved')
            """,
            [sorted(drawn)],
        )
        return [address for (address,) in cursor.fetchall()]


def operator_token() -> str:
    """A fresh operator token, issued by the project's own command (which creates the account if missing)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "issue_api_token", "--operator", OPERATOR_EMAIL, "--organisation", "Bench ISP",
         "--name", "bench"],
        cwd=ROOT, env=server_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit("issue_api_token failed")
    return done.stdout.strip().splitlines()[-1]


# 2. The lookup, in this process


def bench_lookup(probes: list[Probe], token: str) -> tuple[list[tuple[str, float, str]], list[str]]:
    """Per-lookup times (µs) of the app's `whitelist_check` (from the copy) and its database form, and of raw
    psycopg2 forms; the query plans."""
    import psycopg2
    from django.db import connection

    from whitelist import index as whitelist_index
    from whitelist.queries import whitelist_check, whitelist_check_in_database

    before, started = _rss_mb(), time.perf_counter()
    whitelist_index.warm()
    loaded, grown = time.perf_counter() - started, _rss_mb() - before
    for check in (whitelist_check, whitelist_check_in_database):
        answers = (check(ipaddress.ip_address(p.ip)) for p in probes)
        wrong = [(p, a) for p, a in zip(probes, answers, strict=True) if (a and str(a.network)) != p.network]
        assert not wrong, f"{check.__name__}: {len(wrong)} wrong answers, e.g. {wrong[:3]}"
    probes = probes[:LOOKUP_PROBES]
    addresses = [ipaddress.ip_address(probe.ip) for probe in probes]
    statements: list[tuple[str, dict]] = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        whitelist_check_in_database(addresses[0])
    assert len(statements) == 1, statements
    ours_sql, ours_params = statements[0]

    raw = psycopg2.connect(DATABASE_URL, options="-c jit=off")  # as the app's connection is
    raw.autocommit = True
    cursor = raw.cursor()
    registered = _first_registered(probes)
    built = None
    if not _index_backed(_plan(cursor, CONTAINS_SQL, [registered])):  # no index the app defines serves >>=
        started = time.perf_counter()
        cursor.execute(
            f"CREATE INDEX {INET_OPS_INDEX} ON vpn_records_ipentry USING gist (network inet_ops) WHERE {ONLY_REFERENCE}"
        )
        cursor.execute("ANALYZE vpn_records_ipentry")
        built = time.perf_counter() - started
    try:
        forms: dict[str, tuple[str, Callable[[str], object]]] = {
            "app_raw": (ours_sql, lambda ip: {**ours_params, "address": ip}),
            "floor": ("SELECT %s::inet", lambda ip: [ip]),
            "contains": (CONTAINS_SQL, lambda ip: [ip]),
            "predecessor": (PREDECESSOR_SQL, lambda ip: [ip, ip, ip]),
        }
        for name in ("contains", "predecessor"):
            _assert_same_answers(cursor, probes, *forms[name])
        plans = {name: _plan(cursor, sql, parameters(registered)) for name, (sql, parameters) in forms.items()}
        plans["changes"] = _plan(cursor, CHANGED_SQL, [0])
        planning, executing = _planning_share(cursor, probes, *forms["app_raw"])
        loops = {
            "ours": lambda: [whitelist_check(address) for address in addresses],
            "ours_db": lambda: [whitelist_check_in_database(address) for address in addresses],
        }
        loops |= {name: _raw_loop(cursor, probes, sql, parameters) for name, (sql, parameters) in forms.items()}
        times: dict[str, list[float]] = {name: [] for name in loops}
        for _ in range(REPEAT):  # alternating, so that noise falls on every form alike
            for name, run in loops.items():
                started = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - started) / len(probes) * 1e6)
    finally:
        if built is not None:
            cursor.execute(f"DROP INDEX {INET_OPS_INDEX}")
        raw.close()
    stack = _wsgi_request_times(probes, token)
    per = {name: statistics.median(runs) for name, runs in times.items()}
    ratio, db_ratio, backed = (
        per["ours"] / per["contains"],
        per["ours_db"] / per["contains"],
        _index_backed(plans["app_raw"]),
    )
    fastest = min(("app_raw", "contains", "predecessor"), key=per.__getitem__)
    names = {"app_raw": "its own SQL", "contains": "the >>= lookup", "predecessor": "the btree predecessor"}
    copy = whitelist_index._index
    rows = [
        ("ours: whitelist_check(ip), from the process's copy", per["ours"],
         f"runs {runs_text(times['ours'], 1)}; {ratio:.3f}x the raw >>= lookup, bar <= 2x: "
         f"{'met' if ratio <= 2 else 'NOT met'}; copy of {len(copy.families[4]):,} IPv4 and "
         f"{len(copy.families[6]):,} IPv6 networks loaded in {loaded:.1f} s, +{grown:.0f} MB; "
         "an in-memory radix trie (pytricia) does ~2 µs"),
        ("ours, database form: whitelist_check_in_database(ip)", per["ours_db"],
         f"runs {runs_text(times['ours_db'], 0)}; answers while a process loads its copy; {db_ratio:.2f}x the raw >>= "
         f"lookup, bar <= 2x and index-backed: {'met' if db_ratio <= 2 and backed else 'NOT met'}; "
         f"{per['ours_db'] / per[fastest]:.2f}x the fastest raw form ({names[fastest]})"),
        ("  its SQL, raw through psycopg2", per["app_raw"],
         f"runs {runs_text(times['app_raw'], 0)}; of which PostgreSQL plans ~{planning:.0f} µs, "
         f"executes ~{executing:.0f} µs (EXPLAIN ANALYZE medians)"),
        ("psycopg2 alone: SELECT %s::inet (round-trip floor)", per["floor"],
         f"runs {runs_text(times['floor'], 0)}; ~51 µs"),
        ("psycopg2: network >>= ip, GiST inet_ops (the raw lookup)", per["contains"],
         f"runs {runs_text(times['contains'], 0)}; ~190 µs; "
         + (f"index built for the run in {built:.0f} s, then dropped" if built else "on an index of the app's")),
        ("psycopg2: btree predecessor on the start key", per["predecessor"],
         f"runs {runs_text(times['predecessor'], 0)}; ~140 µs; valid as approved networks never overlap"),
        ("check request through Django's WSGI handler, in process", statistics.median(stack["runs"]),
         f"runs {runs_text(stack['runs'], 0)}; the whole stack, no HTTP, no gunicorn; "
         f"{stack['queries']} SQL statements a request ({stack['statements'] or 'none'}), "
         "besides Django's connection health check"),
    ]  # fmt: skip
    plan_lines = [f"whitelist_check_in_database's query ({'index-backed' if backed else 'NOT index-backed'}):"]
    plan_lines += [f"    {line}" for line in plans["app_raw"]]
    plan_lines += ["the raw >>= lookup:"] + [f"    {line}" for line in plans["contains"]]
    plan_lines += ["a copy's refresh, the entries changed since its version:"]
    plan_lines += [f"    {line}" for line in plans["changes"]]
    return rows, plan_lines


def _rss_mb() -> float:
    return int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0]) / 1024


def _raw_loop(cursor, probes: list[Probe], sql: str, parameters: Callable[[str], object]) -> Callable[[], None]:
    ips = [probe.ip for probe in probes]

    def run() -> None:
        for ip in ips:
            cursor.execute(sql, parameters(ip))
            cursor.fetchall()

    return run


def _planning_share(cursor, probes: list[Probe], sql: str, parameters) -> tuple[float, float]:
    """Median planning and execution times (µs) PostgreSQL reports for `sql` over 300 probes."""
    planning, executing = [], []
    for probe in probes[:300]:
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql, parameters(probe.ip))
        (result,) = cursor.fetchone()[0]
        planning.append(result["Planning Time"] * 1000)
        executing.append(result["Execution Time"] * 1000)
    return statistics.median(planning), statistics.median(executing)


CHANGED_SQL = "SELECT id, network, status, valid_until FROM vpn_records_ipentry WHERE whitelist_version > %s"
INET_OPS_INDEX = "bench_whitelist_inet_ops"
# True of every row, and stated by the reference query alone: the planner cannot use the index for the app's query,
# which keeps to the app's indexes while both are timed in turns. (Offered a full one, the planner takes it for the
# app's query too, which then runs several times slower: its GiST over key ranges is the faster index here.)
ONLY_REFERENCE = "registration_id > -1"
CONTAINS_SQL = f"""
SELECT e.network, r.reference, e.valid_until FROM vpn_records_ipentry e
JOIN vpn_records_registration r ON r.id = e.registration_id
WHERE e.network >>= %s::inet AND e.status = 'approved' AND e.valid_until >= current_date AND e.{ONLY_REFERENCE}
ORDER BY masklen(e.network) DESC LIMIT 1
"""
# The approved entry starting at or below the address is the only one that can hold it: they never overlap.
PREDECESSOR_SQL = """
SELECT e.network, r.reference, e.valid_until FROM (
    SELECT network, registration_id, valid_until FROM vpn_records_ipentry
    WHERE lower(cidr_key_range(network)) <= lower(cidr_key_range(set_masklen(%s::inet,
        CASE family(%s::inet) WHEN 4 THEN 32 ELSE 128 END)::cidr)) AND status = 'approved'
    ORDER BY lower(cidr_key_range(network)) DESC LIMIT 1
) e JOIN vpn_records_registration r ON r.id = e.registration_id
WHERE e.network >>= %s::inet AND e.valid_until >= current_date
"""


def _assert_same_answers(cursor, probes: list[Probe], sql: str, parameters: Callable[[str], object]) -> None:
    wrong = []
    for probe in probes[:500]:
        cursor.execute(sql, parameters(probe.ip))
        row = cursor.fetchone()
        if (row and row[0]) != probe.network:
            wrong.append((probe, row))
    assert not wrong, (sql, wrong[:3])


def _first_registered(probes: list[Probe]) -> str:
    return next(probe.ip for probe in probes if probe.network)


def _plan(cursor, sql: str, parameters) -> list[str]:
    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) " + sql, parameters)
    return [line for (line,) in cursor.fetchall()]


def _index_backed(plan: list[str]) -> bool:
    text = "\n".join(plan)
    return "Index" in text and "Seq Scan on vpn_records_ipentry" not in text


def _wsgi_request_times(probes: list[Probe], token: str) -> dict:
    """The check request through Django's WSGI application in this process: µs a request, and its statements."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    application = get_wsgi_application()

    def request(ip: str) -> bytes:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": CHECK_PATH, "QUERY_STRING": f"ip={ip}", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "HTTP_AUTHORIZATION": f"Token {token}",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        }  # fmt: skip
        statuses = []
        response = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            body = b"".join(response)
        finally:
            response.close()
        assert statuses[0].startswith("200"), (statuses, body)
        return body

    sample = probes[:1000]
    request(sample[0].ip)
    statements: list[str] = []

    def capture(execute, sql, params, many, context):
        statements.append(_statement_kind(sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        request(sample[1].ip)
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        for probe in sample:
            request(probe.ip)
        runs.append((time.perf_counter() - started) / len(sample) * 1e6)
    return {"runs": runs, "queries": len(statements), "statements": "; ".join(statements)}


def _statement_kind(sql: str) -> str:
    words = sql.split()
    table = next((words[i + 1] for i, word in enumerate(words) if word.upper() in {"FROM", "UPDATE"}), "")
    return f"{words[0].upper()} {table.strip(chr(34))}".strip()


# 1. The check endpoint under gunicorn, and 3. the export

CHECK_PATH = "/api/v1/whitelist/check/"
EXPORT_PATH = "/api/v1/whitelist/export.txt"
SECONDS = 12  # each load run
REFERENCE_SECONDS = 6  # each /healthz run
CONNECTIONS = 8  # wrk's, all busy all the time: more than any configuration below serves at once


@dataclass(frozen=True)
class Config:
    name: str
    flags: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


# Earlier runs also tried gthread (2 x 4 threads: p99 doubled), an access log (a few % slower) and
# CONN_HEALTH_CHECKS=0 (within noise once the check stopped querying).
CONFIGS = [
    Config("sync, 2 workers", ("--workers", "2")),
    Config("sync, 3 workers", ("--workers", "3")),
    Config(
        "sync, 2 workers, a query per check (WHITELIST_CHECK_FROM_MEMORY=0)",
        ("--workers", "2"),
        (("WHITELIST_CHECK_FROM_MEMORY", "0"),),
    ),
]
COPY_LOADED = "whitelist copy at version"  # what each worker logs (whitelist.index)


class Gunicorn:
    """`gunicorn registration_portal.wsgi` on a free loopback port, with the servers' environment."""

    def __init__(self, flags: tuple[str, ...], log: Path, env: tuple[tuple[str, str], ...] = ()):
        self.log_path, self.copies = log, dict(env).get("WHITELIST_CHECK_FROM_MEMORY") != "0"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "registration_portal.wsgi:application", "--bind",
             f"127.0.0.1:{self.port}", *flags],
            cwd=ROOT, env=server_environment() | dict(env), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, workers: int) -> None:
        """Until every worker serves: gunicorn.conf.py has each load its whitelist copy first."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
            try:
                loaded = len(self.copy_load_seconds()) >= workers or not self.copies
                if loaded and get(self.port, "/healthz")[0] == 200 and len(self.workers()) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn on port {self.port} did not answer; see {self.log.name}")

    def copy_load_seconds(self) -> list[float]:
        """How long each worker took to load its whitelist copy, from the log."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [float(line.rsplit(" in ", 1)[1].split()[0]) for line in lines if COPY_LOADED in line]

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def memory_mb(self, field: str) -> list[float]:
        """VmRSS or VmHWM (the peak) of each worker, MB."""
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


WRK_DONE = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p90\\": %f, \\"p99\\": %f, \\"max\\": %f, "
    .. "\\"non_2xx\\": %d, \\"socket_errors\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def write_wrk_scripts(directory: Path, probes: list[Probe], token: str) -> dict[str, Path]:
    """check.lua rotates through the probes with the token; healthz.lua asks /healthz. Both print a RESULT line."""
    check, healthz = directory / "check.lua", directory / "healthz.lua"
    ips = ",\n".join(f'"{quote(probe.ip)}"' for probe in probes)
    check.write_text(
        f"local ips = {{\n{ips}\n}}\n"
        f'local headers = {{["Authorization"] = "Token {token}"}}\n'
        "local offset = 0\n"
        "local threads = 0\n"
        "function setup(thread) thread:set('start', threads * 1009); threads = threads + 1 end\n"
        "function init(args) offset = start or 0 end\n"
        "request = function()\n"
        "  offset = offset + 1\n"
        f'  return wrk.format("GET", "{CHECK_PATH}?ip=" .. ips[offset % #ips + 1], headers)\n'
        "end\n" + WRK_DONE
    )
    healthz.write_text(WRK_DONE)
    return {"check": check, "healthz": healthz}


def wrk(port: int, path: str, script: Path, seconds: int) -> dict:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    result = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def bench_check(probes: list[Probe], token: str, workdir: Path) -> tuple[list[tuple[str, str, str]], Config]:
    """Every configuration served at once; wrk runs alternate between them. Also the best: the highest median
    throughput, the bar met before all (the access-log configuration only shows what logging costs)."""
    scripts = write_wrk_scripts(workdir, probes, token)
    servers = [Gunicorn(config.flags, workdir / f"gunicorn-{n}.log", config.env) for n, config in enumerate(CONFIGS)]
    try:
        for config, server in zip(CONFIGS, servers, strict=True):
            server.wait_ready(int(config.flags[config.flags.index("--workers") + 1]))
            _check_answers(server.port, probes[:200], token)
            wrk(server.port, CHECK_PATH, scripts["check"], 3)  # warm: connections, caches, index pages
        runs: dict[str, list[dict]] = {config.name: [] for config in CONFIGS}
        references: dict[str, list[dict]] = {config.name: [] for config in CONFIGS}
        for _ in range(REPEAT):
            for config, server in zip(CONFIGS, servers, strict=True):
                runs[config.name].append(wrk(server.port, CHECK_PATH, scripts["check"], SECONDS))
                references[config.name].append(wrk(server.port, "/healthz", scripts["healthz"], REFERENCE_SECONDS))
        rss = {config.name: max(server.memory_mb("VmRSS")) for config, server in zip(CONFIGS, servers, strict=True)}
        loads = {config.name: server.copy_load_seconds() for config, server in zip(CONFIGS, servers, strict=True)}
    finally:
        for server in servers:
            server.stop()

    rows, ranked = [], []
    for config in CONFIGS:
        results, reference = runs[config.name], references[config.name]
        rps = statistics.median(r["rps"] for r in results)
        p50, p99 = (statistics.median(r[key] for r in results) for key in ("p50", "p99"))
        met = rps >= 1000 and p99 < 20 and not any(r["non_2xx"] or r["socket_errors"] for r in results)
        if "access" not in config.name:
            ranked.append(((met, rps), config))
        errors = sum(r["non_2xx"] + r["socket_errors"] for r in results)
        rows.append((
            f"check, {config.name}",
            f"{rps:7.0f} req/s  p50 {p50:5.1f} ms  p99 {p99:5.1f} ms",
            f"runs {runs_text([r['rps'] for r in results], 0)} req/s, "
            f"p99 {runs_text([r['p99'] for r in results], 1)} ms; "
            f"{errors} errors; worker RSS {rss[config.name]:.0f} MB{_copy_note(loads[config.name])}; "
            f"bar >= 1,000 req/s, p99 < 20 ms: {'met' if met else 'NOT met'}",
        ))  # fmt: skip
        rows.append((
            "  /healthz on the same server (ceiling)",
            f"{statistics.median(r['rps'] for r in reference):7.0f} req/s  p50 "
            f"{statistics.median(r['p50'] for r in reference):5.1f} ms  p99 "
            f"{statistics.median(r['p99'] for r in reference):5.1f} ms",
            f"runs {runs_text([r['rps'] for r in reference], 0)} req/s; check is "
            f"{rps / statistics.median(r['rps'] for r in reference):.0%} of it",
        ))  # fmt: skip
    (met, _rps), best = max(ranked, key=lambda pair: pair[0])
    rows.append((f"best: {best.name}", "", f"gunicorn registration_portal.wsgi {' '.join(best.flags)}; bar "
                 + ("met" if met else "NOT met by any configuration")))  # fmt: skip
    return rows, best


def _copy_note(seconds: list[float]) -> str:
    return f" (whitelist copy loaded in {runs_text(seconds, 1)} s, workers at once)" if seconds else ""


def _check_answers(port: int, probes: list[Probe], token: str) -> None:
    for probe in probes:
        status, body = get(port, f"{CHECK_PATH}?ip={quote(probe.ip)}", token)
        assert status == 200, (status, body)
        answer = json.loads(body)
        assert answer["registered"] == (probe.network is not None), (probe, answer)
        assert answer["network"] in (probe.network, probe.network and display(probe.network)), (probe, answer)


def display(network: str) -> str:
    parsed = ipaddress.ip_network(network)
    return str(parsed.network_address) if parsed.prefixlen == parsed.max_prefixlen else str(parsed)


def bench_export(config: Config, token: str, workdir: Path) -> list[tuple[str, str, str]]:
    """The `.txt` export from a fresh one-worker gunicorn, runs alternating with COPY references in SQL."""
    import psycopg2

    flags = list(config.flags)
    flags[flags.index("--workers") + 1] = "1"
    server = Gunicorn(tuple(flags), workdir / "gunicorn-export.log", config.env)
    raw = psycopg2.connect(DATABASE_URL, options="-c jit=off")
    try:
        server.wait_ready(1)
        get(server.port, f"{CHECK_PATH}?ip=198.51.100.1", token)  # the worker loaded, its connection open
        ready = max(server.memory_mb("VmRSS"))
        exports, copies, floors = [], [], []
        for _ in range(REPEAT):
            exports.append(_download(server.port, token))
            copies.append(_copy(raw, COPY_AS_APP_SQL))
            floors.append(_copy(raw, COPY_FLOOR_SQL))
        peak = max(server.memory_mb("VmHWM"))
    finally:
        server.stop()
        raw.close()
    seconds = statistics.median(r["seconds"] for r in exports)
    copy_seconds = statistics.median(r["seconds"] for r in copies)
    floor_seconds = statistics.median(r["seconds"] for r in floors)
    first_byte = statistics.median(r["first_byte"] for r in exports)
    lines = {r["lines"] for r in exports}
    complete = lines == {copies[0]["lines"]} and copies[0]["lines"] >= APPROVED
    met = seconds < 10 and peak < 150 and complete
    rows = [
        (f"export.txt through gunicorn ({config.name.split(',')[0]}, 1 worker)", f"{seconds:7.2f} s",
         f"runs {runs_text([r['seconds'] for r in exports], 2)} s; {exports[0]['lines']:,} lines, "
         f"{exports[0]['bytes'] / 1e6:.1f} MB, first byte after {first_byte:.2f} s; "
         f"{seconds / copy_seconds:.1f}x the COPY of its query (goal <= 3x); worker peak {peak:.0f} MB "
         f"({ready:.0f} MB before); bar < 10 s and < 150 MB: {'met' if met else 'NOT met'}"),
        ("PostgreSQL alone: COPY of the same query TO STDOUT", f"{copy_seconds:7.2f} s",
         f"runs {runs_text([r['seconds'] for r in copies], 2)} s; {copies[0]['lines']:,} lines; "
         "joined to registrations, ordered by network"),
        ("PostgreSQL alone: COPY of the networks, unordered", f"{floor_seconds:7.2f} s",
         f"runs {runs_text([r['seconds'] for r in floors], 2)} s; {floors[0]['lines']:,} lines; ~0.5 s; the floor"),
    ]  # fmt: skip
    return rows


COPY_AS_APP_SQL = """
COPY (SELECT e.network::text, r.reference, e.valid_until FROM vpn_records_ipentry e
      JOIN vpn_records_registration r ON r.id = e.registration_id
      WHERE e.status = 'approved' AND e.valid_until >= current_date ORDER BY e.network) TO STDOUT
"""
COPY_FLOOR_SQL = """
COPY (SELECT network::text FROM vpn_records_ipentry WHERE status = 'approved' AND valid_until >= current_date)
TO STDOUT
"""


def _download(port: int, token: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    lines = size = 0
    started = time.perf_counter()
    connection.request("GET", EXPORT_PATH, headers={"Authorization": f"Token {token}"})
    response = connection.getresponse()
    assert response.status == 200, (response.status, response.read()[:500])
    first_byte = None
    while chunk := response.read1(1 << 16):
        first_byte = first_byte or time.perf_counter() - started
        lines, size = lines + chunk.count(b"\n"), size + len(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "lines": lines, "bytes": size, "first_byte": first_byte or seconds}


class _LineCounter(io.RawIOBase):
    def __init__(self):
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.lines += bytes(data).count(b"\n")
        return len(data)


def _copy(raw, sql: str) -> dict:
    sink = _LineCounter()
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.copy_expert(sql, sink)
    return {"seconds": time.perf_counter() - started, "lines": sink.lines}


# Reports


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk (Debian's package)")
    setup_django()
    seed()
    token = operator_token()
    probes = make_probes()
    registered = sum(1 for probe in probes if probe.network)
    print(f"\n{APPROVED:,} approved networks; {len(probes):,} probes, {registered:,} registered")
    lookup_rows, plan = bench_lookup(probes, token)
    with tempfile.TemporaryDirectory(prefix="bench-whitelist-") as directory:
        workdir = Path(directory)
        check_rows, best = bench_check(probes, token, workdir)
        export_rows = bench_export(best, token, workdir)
    table(
        f"Check endpoint under gunicorn, wrk -t1 -c{CONNECTIONS} on loopback, {SECONDS} s runs "
        f"(median of {REPEAT}; runs alternate between configurations)",
        check_rows,
    )
    table(
        f"Lookup of one address, µs each over {LOOKUP_PROBES:,} probes (median of {REPEAT})",
        [
            (name, f"{micros:7.1f} µs" if micros < 100 else f"{micros:7.0f} µs", note)
            for name, micros, note in lookup_rows
        ],
    )
    print("\n" + "\n".join(f"  {line}" for line in plan))
    table(f"Export of the whole list (median of {REPEAT})", export_rows)


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        setup_django()
        seed()
    else:
        main()
