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
