from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from pulang.audit.policies import can_view_audit_log
from pulang.cases.policies import Capability as CasesCapability
from pulang.cases.policies import can as cases_can
from pulang.linkage.policies import can_review_pairs
from pulang.orgs.policies import can_view_organisations
from pulang.orgs.selectors import membership_list_for_user
from pulang.referrals.policies import Capability as ReferralsCapability
from pulang.referrals.policies import can as referrals_can
from pulang.referrals.policies import is_provider_side
from pulang.registry.imports.policies import can_import
from pulang.registry.policies import Capability as RegistryCapability
from pulang.registry.policies import can as registry_can


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu: only what the acting role can open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_memberships": [], "actor": None}
    actor = getattr(request, "actor", None)
    items = [(reverse("dashboard:home"), _("Home"))]
    if registry_can(actor, RegistryCapability.VIEW_PERSONS):
        items.append((reverse("registry:search"), _("Returnees")))
    if cases_can(actor, CasesCapability.VIEW_CASES):
        items.append((reverse("cases:work"), _("Cases")))
    if any(
        referrals_can(actor, c)
        for c in (
            ReferralsCapability.REFER,
            ReferralsCapability.RESPOND,
            ReferralsCapability.VIEW_FIGURES,
        )
    ):
        items.append((reverse("referrals:home"), _("Referrals")))
    if actor is not None and is_provider_side(actor):
        items.append((reverse("directory:entries"), _("Our services")))
    if referrals_can(actor, ReferralsCapability.APPROVE_ENTRIES):
        items.append((reverse("directory:approvals"), _("Services to approve")))
    if registry_can(actor, RegistryCapability.REVIEW_INTAKES):
        items.append((reverse("registry:intakes"), _("Reports to check")))
    if actor is not None and can_import(actor):
        items.append((reverse("registry:imports"), _("Imports")))
    if can_review_pairs(actor):
        items.append((reverse("linkage:queue"), _("Duplicates to review")))
    if can_view_organisations(actor):
        items.append((reverse("orgs:list"), _("Organisations")))
    if can_view_audit_log(actor):
        items.append((reverse("audit:search"), _("Audit log")))
    current = request.path
    return {
        "actor": actor,
        "nav_items": [
            {
                "url": url,
                "label": label,
                "current": current == url or (url != "/" and current.startswith(url)),
            }
            for url, label in items
        ],
        "nav_memberships": list(membership_list_for_user(user=user)),
    }
