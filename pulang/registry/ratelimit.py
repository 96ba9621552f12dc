"""A fixed-window rate limit per client address, for the public pages (no account there).

Counts live in Django's cache: per process with the default local-memory cache, shared
between processes when the deployment configures Redis (see docs/registry.md).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


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
