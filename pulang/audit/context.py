"""Where the current request or job comes from, for the audit trail.

Middleware (web, API), the command-line entry point and task runners set it once; the
``record`` service reads it, so services need not pass the request around.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Origin:
    channel: str = "cli"
    ip_address: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "pulang_audit_origin", default=None
)


def current_origin() -> Origin:
    return _current.get() or Origin()


@contextlib.contextmanager
def origin(value: Origin) -> Iterator[Origin]:
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind ``PULANG_PROXY_COUNT`` proxies, REMOTE_ADDR is the
    nearest proxy's; each proxy appends the address it was reached from to
    X-Forwarded-For, so the client's is that many entries from the right (entries further
    left are whatever the client chose to send). "" when it cannot be known."""
    proxies = int(getattr(settings, "PULANG_PROXY_COUNT", 0) or 0)
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        return hops[-proxies] if len(hops) >= proxies else ""
    return str(request.META.get("REMOTE_ADDR", ""))
