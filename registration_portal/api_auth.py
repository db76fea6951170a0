"""How the API knows who is calling, what their token may reach, and how often they may call."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from applicants.models import ApiToken
from applicants.tokens import TokenRefused, token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token vpr_…` (or `Bearer vpr_…`)."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].lower() not in self.keywords:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Token <key>”, with no spaces in the key."), code="malformed_token"
            )
        try:
            token = token_authenticate(words[1].decode("ascii"))
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="invalid_token") from None
        except TokenRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class HasTokenScope(BasePermission):
    """A token reaches only the views that name its scope in `token_scopes`; sessions are left to other checks."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        if request.auth.scope in getattr(view, "token_scopes", ()):
            return True
        self.message = _("Tokens of scope “%(scope)s” cannot use this endpoint.") % {"scope": request.auth.scope}
        return False


@dataclass(frozen=True)
class ThrottleVerdict:
    key: str
    allowed: bool
    retry_after: int  # seconds until the window ends


def throttle_count(scope: str, ident: str) -> ThrottleVerdict | None:
    """Count one request of `ident` against its scope's rate (API_THROTTLE_*, read now: tests and deploys change
    it) in a fixed window; None when the scope has no rate."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
    if rate is None:
        return None
    allowed, duration = _parsed_rate(rate)
    now = time.time()
    window = int(now // duration)
    key = f"throttle:{scope}:{ident}"
    count = _count(f"{key}:{window}", timeout=duration)
    return ThrottleVerdict(key, count <= allowed, max(1, math.ceil((window + 1) * duration - now)))


class TokenRateThrottle(SimpleRateThrottle):
    """Per token (per account for sessions, per address otherwise), a fixed window counted in the cache.

    One atomic increment a request: DRF's own throttles keep a list of every request's time, which grows
    with the rate, and an operator's rate is high.
    """

    def __init__(self):
        # The rate depends on the caller, so it is chosen per request in allow_request.
        pass

    def caller(self, request) -> tuple[str, str]:
        if isinstance(request.auth, ApiToken):
            return token_caller(request.auth)
        if request.user and request.user.is_authenticated:
            return "user", f"user{request.user.pk}"
        return "anon", self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        scope, ident = self.caller(request)
        # The whitelist check's fast path (vpn_records.middleware) may have counted this request already.
        verdict = getattr(request, "throttle_verdict", None)
        if verdict is None or verdict.key != f"throttle:{scope}:{ident}":
            verdict = throttle_count(scope, ident)
        self.verdict = verdict
        return verdict is None or verdict.allowed

    def wait(self) -> float:
        return self.verdict.retry_after


def token_caller(token: ApiToken) -> tuple[str, str]:
    """The scope and the identity a token's requests are counted under."""
    return token.scope, f"token{token.pk}"


@lru_cache(maxsize=32)
def _parsed_rate(rate: str) -> tuple[int, int]:
    return TokenRateThrottle().parse_rate(rate)


# Each thread's own connection to the cache's Redis for the counts: cheaper than the client's pool, per request.
_redis = threading.local()


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


def _redis_command(cache: RedisCache, *command):
    pool = cache._cache._get_connection_pool(write=True)
    connection = getattr(_redis, "connection", None)
    if connection is None or _redis.pool is not pool:  # first use, or the cache was configured anew
        if connection is not None:
            connection.disconnect()
        connection, _redis.pool = pool.make_connection(), pool
        _redis.connection = connection
    try:
        connection.send_command(*command)
        return connection.read_response()
    except (redis.ConnectionError, redis.TimeoutError):  # Redis restarted, say: once more on a new connection
        connection.disconnect()
        connection.send_command(*command)
        return connection.read_response()
