"""Plans for lookups that are right by index whatever PostgreSQL's statistics say."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def index_scans_only() -> Iterator[None]:
    """Sequential and bitmap scans off for the statements inside, restored after (SET LOCAL would otherwise last to
    the end of an enclosing transaction). For probes of a range index: on a table whose statistics are stale, the
    planner has scanned it whole per probe, or ANDed each probe with an index matching every new row."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_bitmapscan')")
        seqscan, bitmapscan = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        try:
            yield
        finally:
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true), set_config('enable_bitmapscan', %s, true)",
                [seqscan, bitmapscan],
            )
