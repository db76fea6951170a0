"""Probes for load balancers and orchestrators: /healthz (the process answers), /readyz (its dependencies do)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL (and Redis, where configured) answer; 503 naming what does not."""
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "database_engine": _database_engine(), "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _database_engine() -> str:
    """Which server answers ("PostgreSQL 18.6 (embedded)"), once a connection has told its version."""
    version = connection.pg_version if connection.connection is not None else None
    name = f"PostgreSQL {version // 10000}.{version % 100}" if version else "PostgreSQL"
    return f"{name} (embedded)" if str(settings.DATABASES["default"]["HOST"]).endswith(".pgdata") else name


def _check_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"
