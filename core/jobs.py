"""The shape every background job shares: retried while the database is away, and re-published when lost.

State lives in PostgreSQL; the broker only carries a row's id. A task lost with the broker, or held by a
worker that was killed, is found by its row's `stamp` (when it was last published or last made progress)
and published again. Tasks are idempotent, so a second copy is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)

# A database that is briefly away is retried with backoff; the work itself is idempotent.
RETRY_ON_DATABASE_ERRORS = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


def publish_on_commit(task: Callable[[int], object], pk: int) -> None:
    """Publish the task for row `pk` once the transaction that made the row's state commits."""
    transaction.on_commit(partial(task, pk))


@transaction.atomic
def redispatch_stuck(
    waiting: QuerySet[M],
    *,
    stamp: str,
    older_than: timedelta,
    publish: Callable[[int], object],
    limit: int,
    name: Callable[[M], str] = lambda row: str(row.pk),
) -> list[str]:
    """Publish again the rows of `waiting` whose `stamp` is older than `older_than`, oldest first, at most
    `limit`; stamp them now, so the next sweep leaves them alone while they run. Rows another sweep holds
    are skipped. Returns the rows' names."""
    now = timezone.now()
    stuck = list(
        waiting.select_for_update(skip_locked=True).filter(**{f"{stamp}__lt": now - older_than}).order_by(stamp)[:limit]
    )
    waiting.model._default_manager.filter(pk__in=[row.pk for row in stuck]).update(**{stamp: now})
    for row in stuck:
        publish_on_commit(publish, row.pk)
    names = [name(row) for row in stuck]
    if names:
        logger.warning("re-published %s: %s", waiting.model._meta.verbose_name_plural, ", ".join(names))
    return names


def analyze(*models: type[Model]) -> None:
    """Fresh planner statistics for tables a large write has just grown: without them (autovacuum off or behind)
    PostgreSQL plans the next queries for the table as it was, and a chunk that took 1 s takes 25."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
