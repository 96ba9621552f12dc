"""Who may read the audit log: auditors and administrators, within their own scope."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import Role
from pulang.orgs.policies import role_allows

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    VIEW_AUDIT_LOG = "audit.view_log"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT_LOG}),
    Role.ADMINISTRATOR: frozenset({Capability.VIEW_AUDIT_LOG}),
}


def can_view_audit_log(actor: Actor | None) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, Capability.VIEW_AUDIT_LOG)
