"""A fixed-window rate limit per client address, for the public pages (no account there).

Counts live in Django's cache: per process with the default local-memory cache, shared
between processes when the deployment configures Redis (see docs/registry.md).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from typing import TYPE_CHECKING

from django.core.cache import cache

from pulang.audit.context import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest


def client_key(request: HttpRequest) -> str:
    """Who is counted: the client's address (``audit.context.client_address``), an IPv6
    one by its /64 network — a single home or phone is given a whole /64 and may use any
    address in it."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


def allow(bucket: str, client: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request by ``client`` in ``bucket``; False once ``limit`` is reached."""
    # The address is hashed: cache keys can end up in monitoring tools.
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    window = int(time.time()) // window_seconds
    key = f"pulang:rl:{bucket}:{digest}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 5)
        return True
    return count <= limit
