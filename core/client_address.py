"""The client's address: the one rule the throttles, the login lockout and the logs all use."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The socket's address, or, behind TRUSTED_PROXY_COUNT proxies, the address the outermost of them saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so only the last
    TRUSTED_PROXY_COUNT items were written by someone we trust; anything before them is the client's own say.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [item.strip() for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item.strip()]
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through all of them, so the socket is all we know.
        return remote
    candidate = forwarded[-proxies]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    # A zone id (fe80::1%eth0) is the proxy's own business, and the lockout's inet column would refuse it.
    return remote if getattr(address, "scope_id", None) else str(address)
