"""The staff admin on a million entries in 200,000 registrations: queue and entry list pages, bulk approval.

    .venv/bin/python -m benchmarks.review
Targets (issue 4): each page under 500 ms median; approving 1,000 entries in one action under 5 s.
"""

from __future__ import annotations

from benchmarks.common import median_seconds, report, seed_existing_entries, setup_django

UNDER_REVIEW = 20_000  # registrations waiting, 100,000 entries


def put_some_under_review() -> None:
    """The first 20,000 registrations, and their 100,000 entries, wait for review."""
    from django.db import connection

    with connection.cursor() as cursor:  # every run starts from the same queue, whatever the last one approved
        cursor.execute(
            """
            WITH picked AS (
                SELECT id FROM vpn_records_registration WHERE reference LIKE 'BENCH-%%' ORDER BY id LIMIT %s
            ), registrations AS (
                UPDATE vpn_records_registration r SET status = 'under_review', decided_at = NULL,
                    verification_outcome = CASE WHEN r.id %% 7 = 0 THEN 'warn' ELSE 'pass' END
                FROM picked WHERE r.id = picked.id RETURNING r.id
            )
            UPDATE vpn_records_ipentry e SET status = 'under_review', decided_at = NULL, valid_until = NULL
            FROM registrations WHERE e.registration_id = registrations.id
            """,
            [UNDER_REVIEW],
        )
        cursor.execute("ANALYZE")


def reviewer_client():
    from django.test import Client

    from applicants.models import User
    from core.roles import sync_role_groups

    user = User.objects.filter(email="bench-reviewer@example.pk").first()
    if user is None:
        from django.apps import apps
        from django.contrib.auth.models import Group

        sync_role_groups(apps)
        user = User.objects.create_user(email="bench-reviewer@example.pk", password=None, is_staff=True)
        user.groups.add(Group.objects.get(name="reviewer"))
    client = Client()
    client.force_login(user)
    return client, user


def bench_pages(client) -> list[tuple[str, float, str]]:
    from django.db import connection

    from vpn_records.models import IpEntry

    pages = [
        ("review queue, first page (under review, oldest first)", "/admin/vpn_records/registration/"),
        ("review queue, filtered to warnings", "/admin/vpn_records/registration/?verification_outcome__exact=warn"),
        ("review queue, search by IP", "/admin/vpn_records/registration/?q=11.0.1.49&status=all"),
        ("entry list, first page", "/admin/vpn_records/ipentry/"),
        ("entry list, search by IP", "/admin/vpn_records/ipentry/?q=11.0.1.49"),
        ("entry list, search by network", "/admin/vpn_records/ipentry/?q=11.0.0.0/22"),
    ]
    rows = []
    for name, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if "q=11.0.1.49" in url:  # the entry at that address, in registration BENCH-1
            assert b"BENCH-1<" in response.content or b"11.0.1.49<" in response.content, url
        seconds, runs = median_seconds(lambda url=url: client.get(url), repeat=5)
        rows.append((name, seconds, f"runs {', '.join(f'{t * 1000:.0f}' for t in runs)} ms; target < 0.5 s"))

    def full_count():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {IpEntry._meta.db_table}")

    count, _ = median_seconds(full_count, repeat=3)
    rows.append(("PostgreSQL alone: the COUNT(*) Django's admin runs on the entry list", count, "which we cap"))
    return rows


def bench_bulk_approval(client) -> list[tuple[str, float, str]]:
    """ "Select all" on the entries matching a /16 search, about 1,070 of them, then Approve."""
    from vpn_records.models import IpEntry, Status

    times, counts = [], []
    for block in ("11.0.0.0/16", "11.1.0.0/16", "11.2.0.0/16"):
        url = f"/admin/vpn_records/ipentry/?q={block}"
        waiting = IpEntry.objects.filter(network__net_overlaps=block, status=Status.UNDER_REVIEW).count()
        first = IpEntry.objects.filter(network__net_overlaps=block).order_by("id").values_list("id", flat=True)[0]
        data = {"action": "approve", "select_across": "1", "_selected_action": [first]}
        seconds, _runs = median_seconds(lambda url=url, data=data: client.post(url, data), repeat=1)
        approved = IpEntry.objects.filter(network__net_overlaps=block, status=Status.APPROVED).count()
        assert approved == waiting > 1000, (block, waiting, approved)
        times.append(seconds)
        counts.append(approved)
    return [
        (f"approve {min(counts):,} to {max(counts):,} entries in one admin action", sorted(times)[1],
         f"runs {', '.join(f'{t:.2f}' for t in times)} s; target < 5 s for 1,000"),
    ]  # fmt: skip


def main() -> None:
    setup_django()
    seed_existing_entries()
    put_some_under_review()
    client, _user = reviewer_client()
    report("Staff admin pages (median of 5)", bench_pages(client))
    report("Bulk decision (median of 3)", bench_bulk_approval(client))


if __name__ == "__main__":
    main()
