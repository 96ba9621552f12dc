"""Typed domain errors shared by every app.

Each error has a stable ``code`` (``<app>.<reason>``) that clients may rely on, an HTTP
status for the API, and a translated message with named placeholders. One handler in
``config.api`` turns them into problem responses; views turn them into form errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: ClassVar[str] = "pulang.error"
    status: ClassVar[int] = 400
    message: ClassVar[str | Promise] = _("The request could not be completed.")

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        self.params = params
        template = message if message is not None else self.message
        self.text = str(template) % params if params else str(template)
        super().__init__(self.text)


class NotFound(DomainError):
    """Missing *or* outside the actor's scope: an outsider learns nothing either way."""

    code = "pulang.not_found"
    status = 404
    message = _("Not found.")


class PermissionDenied(DomainError):
    code = "pulang.permission_denied"
    status = 403
    message = _("You do not have permission to do this.")


class InvalidInput(DomainError):
    """Input failed validation; ``errors`` lists each problem by field (and line)."""

    code = "pulang.invalid_input"
    status = 422
    message = _("Some of the information given is not valid.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message, **params)
        self.errors = errors or []


class Conflict(DomainError):
    """Someone else changed the record since it was read (version check)."""

    code = "pulang.conflict"
    status = 409
    message = _("Someone else changed this record after you opened it. Reload and try again.")
