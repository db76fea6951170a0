"""Counts in the shared cache: fixed-window rate limits (the API's throttles, the account forms) and the stamp that
tells every web process a token or account was revoked."""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

REVOCATION_STAMP_KEY = "auth:revocation-stamp"


@dataclass(frozen=True)
class ThrottleVerdict:
    key: str
    allowed: bool
    retry_after: int  # seconds until the window ends


def throttle_count(scope: str, ident: str, *, rate: str | None = None) -> ThrottleVerdict | None:
    """Count one request of `ident` against `rate` (by default its scope's API_THROTTLE_*, read now: tests and
    deploys change it) in a fixed window; None when there is no rate."""
    window = _window(scope, ident, rate)
    if window is None:
        return None
    return window.verdict(_count(window.counter, timeout=window.duration))


def revocation_stamp() -> str | None:
    """The current revocation stamp, one Redis round trip; None where no Redis cache is shared or Redis is away,
    so that nothing kept is trusted then."""
    return revocation_stamp_and_count()[0]


def revocation_stamp_and_count(scope: str = "", ident: str = "") -> tuple[str | None, ThrottleVerdict | None]:
    """The revocation stamp and, given a caller, one request counted against its rate, in one Redis round trip:
    the whitelist check reads both for every request. Without a shared Redis: no stamp, and the count as usual."""
    cache = caches["default"]
    window = _window(scope, ident, None) if scope else None
    if not isinstance(cache, RedisCache):
        return None, None if window is None else window.verdict(_count(window.counter, timeout=window.duration))
    fresh = secrets.token_hex(8)
    # Read the stamp, or start one if it was lost (a flush): never equal to a stamp seen before. Needs Redis 7.
    commands: list[tuple] = [("SET", cache.make_and_validate_key(REVOCATION_STAMP_KEY), fresh, "NX", "GET")]
    if window is not None:
        counter = cache.make_and_validate_key(window.counter)
        commands.append(("INCR", counter))
    try:
        stamp, *counts = _redis_pipeline(cache, commands)
    except (redis.ConnectionError, redis.TimeoutError):
        return None, None if window is None else throttle_count(scope, ident)
    verdict = None
    if window is not None:
        if counts[0] == 1:
            _redis_command(cache, "EXPIRE", counter, window.duration + 1)
        verdict = window.verdict(counts[0])
    return (stamp.decode() if stamp is not None else fresh), verdict


@dataclass(frozen=True)
class _Window:
    key: str
    counter: str  # the key of this window's count
    allowed: int
    duration: int
    ends: float

    def verdict(self, count: int) -> ThrottleVerdict:
        return ThrottleVerdict(self.key, count <= self.allowed, max(1, math.ceil(self.ends - time.time())))


def _window(scope: str, ident: str, rate: str | None) -> _Window | None:
    rate = rate or api_settings.DEFAULT_THROTTLE_RATES.get(scope)  # type: ignore[assignment]  # strings; typed as numbers
    if rate is None:
        return None
    allowed, duration = _parsed_rate(rate)
    window = int(time.time() // duration)
    key = f"throttle:{scope}:{ident}"
    return _Window(key, f"{key}:{window}", allowed, duration, (window + 1) * duration)


def revocation_stamp_renew() -> None:
    """A token or account was revoked: every process stops trusting what it verified before."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return
    try:
        _redis_command(cache, "SET", cache.make_and_validate_key(REVOCATION_STAMP_KEY), secrets.token_hex(8))
    except (redis.ConnectionError, redis.TimeoutError):
        # While Redis is away no process can read the stamp either, so none trusts its cache; say so all the same.
        logger.warning("revocation stamp not renewed: Redis is unreachable")


@lru_cache(maxsize=32)
def _parsed_rate(rate: str) -> tuple[int, int]:
    # Called unbound; given a rate, it returns two numbers, never the Nones its stub allows for.
    return SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type, return-value]


def _count(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key`, which lives `timeout` seconds from its first count."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(key)
        count = _redis_command(cache, "INCR", key)
        if count == 1:
            _redis_command(cache, "EXPIRE", key, timeout + 1)
        return count
    cache.add(key, 0, timeout + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout + 1)
        return 1


# Each thread's own connection to the cache's Redis: cheaper than the client's pool, per request.
_redis = threading.local()


def _redis_command(cache: RedisCache, *command):
    return _redis_pipeline(cache, [command])[0]


def _redis_pipeline(cache: RedisCache, commands: list[tuple]) -> list:
    """The commands' answers, sent together on this thread's connection: one round trip."""
    pool = cache._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]  # Django's, not in the stubs
    connection = getattr(_redis, "connection", None)
    if connection is None or _redis.pool is not pool:  # first use, or the cache was configured anew
        if connection is not None:
            connection.disconnect()
        connection, _redis.pool = pool.make_connection(), pool
        _redis.connection = connection
    try:
        connection.send_packed_command(connection.pack_commands(commands))
        return [connection.read_response() for _command in commands]
    except (redis.ConnectionError, redis.TimeoutError):  # Redis restarted, say: once more on a new connection
        connection.disconnect()
        connection.send_packed_command(connection.pack_commands(commands))
        return [connection.read_response() for _command in commands]
