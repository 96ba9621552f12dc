"""What each role sees first. Panels backed by data show it; panels for work that later
features bring say plainly what will appear there, so nobody mistakes an empty list for
an empty caseload."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from pulang.audit.models import AuditEvent
from pulang.audit.policies import can_view_audit_log
from pulang.audit.selectors import AuditFilters, audit_event_search
from pulang.cases.policies import Capability as CasesCapability
from pulang.cases.policies import can as cases_can
from pulang.cases.selectors import cases_mine, cases_unassigned
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.orgs.policies import can_view_members
from pulang.orgs.selectors import membership_list_for_organisation, organisation_count_in_scope
from pulang.referrals.policies import Capability as ReferralsCapability
from pulang.referrals.policies import can as referrals_can
from pulang.referrals.selectors.referrals import provider_inbox_counts
from pulang.registry.selectors import expected_returns, intake_queue, recent_arrivals


@dataclass(frozen=True)
class PanelItem:
    text: str
    url: str
    note: str = ""


@dataclass
class Panel:
    key: str
    title: str | Promise
    empty: str | Promise = ""
    count: int | None = None
    link: str = ""
    link_label: str | Promise = ""
    events: list[AuditEvent] = field(default_factory=list)
    items: list[PanelItem] = field(default_factory=list)


def _where(actor: Actor) -> str:
    if actor.scope_area is not None:
        return actor.scope_area.name
    if actor.organisation.destination_country is not None:
        return actor.organisation.destination_country.name
    return actor.organisation.name


def panels_for(actor: Actor) -> list[Panel]:
    where = _where(actor)
    role = actor.role
    panels: list[Panel] = []
    if role in {Role.CASE_WORKER, Role.SUPERVISOR}:
        panels.append(
            Panel(
                "arrivals",
                _("New arrivals in %(area)s") % {"area": where},
                _(
                    "Nobody has come home to %(area)s in the last 30 days. Returnees "
                    "registered at the airport, by a consular post, by themselves or by your "
                    "office appear here."
                )
                % {"area": where},
                items=[
                    PanelItem(
                        r.person.full_name,
                        reverse("registry:person", args=[r.person_id]),
                        date_format(r.returned_on, "SHORT_DATE_FORMAT") if r.returned_on else "",
                    )
                    for r in recent_arrivals(actor=actor, limit=8)
                ],
                link=reverse("registry:register"),
                link_label=_("Register a returnee"),
            )
        )
        waiting = intake_queue(actor=actor).count()
        panels.append(
            Panel(
                "reports",
                _("Reports to check"),
                count=waiting,
                link=reverse("registry:intakes"),
                link_label=_("Check reports"),
            )
        )
    if role in {Role.CASE_WORKER, Role.SUPERVISOR, Role.CONSULAR_OFFICER} and cases_can(
        actor, CasesCapability.VIEW_CASES
    ):
        if role == Role.SUPERVISOR:
            panels.append(
                Panel(
                    "cases",
                    _("Cases waiting for an owner"),
                    count=cases_unassigned(actor=actor).count(),
                    link=reverse("cases:work") + "?list=unassigned",
                    link_label=_("Assign cases"),
                )
            )
        else:
            panels.append(
                Panel(
                    "cases",
                    _("My cases"),
                    count=cases_mine(actor=actor).count(),
                    link=reverse("cases:work"),
                    link_label=_("See my cases"),
                )
            )
    if role == Role.CONSULAR_OFFICER or (
        role == Role.SUPERVISOR and actor.scope_country_code is not None
    ):
        panels.append(
            Panel(
                "abroad",
                _("Workers in %(country)s expected home") % {"country": where},
                _(
                    "Workers you register before they return are listed here until they "
                    "arrive; then their home office takes over."
                ),
                items=[
                    PanelItem(
                        r.person.full_name,
                        reverse("registry:person", args=[r.person_id]),
                        date_format(r.expected_on, "SHORT_DATE_FORMAT") if r.expected_on else "",
                    )
                    for r in expected_returns(actor=actor, limit=8)
                ],
                link=reverse("registry:register"),
                link_label=_("Register a worker before return"),
            )
        )
    if role == Role.PROVIDER_STAFF and referrals_can(actor, ReferralsCapability.RESPOND):
        panels.append(
            Panel(
                "referrals",
                _("Referrals to %(organisation)s") % {"organisation": actor.organisation.name},
                _("New referrals waiting for your answer."),
                count=provider_inbox_counts(actor=actor)["new"],
                link=reverse("referrals:inbox"),
                link_label=_("Open the referrals"),
            )
        )
    if role == Role.AGENCY_STAFF:
        panels.append(
            Panel(
                "placements",
                _("Placements and safe returns"),
                _(
                    "Workers your agency placed, and the returns you report for them, will be "
                    "listed here with your agency's scorecard."
                ),
            )
        )
    if role == Role.EMPLOYER_STAFF:
        panels.append(
            Panel(
                "vacancies",
                _("Vacancies and candidates"),
                _(
                    "Your vacancies, and returnees whose skills match them and who agreed to "
                    "be contacted, will appear here."
                ),
            )
        )
    if role == Role.ANALYST:
        panels.append(
            Panel(
                "statistics",
                _("Returns and reintegration in figures"),
                _(
                    "Returns by sex, age, destination and reason, and reintegration outcomes, "
                    "will be charted here for %(area)s."
                )
                % {"area": where},
            )
        )
    if role in {Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST, Role.AUDITOR}:
        panels.append(
            Panel(
                "organisations",
                _("Organisations in your area of work"),
                count=organisation_count_in_scope(actor=actor),
                link=reverse("orgs:list"),
                link_label=_("See organisations"),
            )
        )
    if can_view_members(actor):
        panels.append(
            Panel(
                "team",
                _("People in %(organisation)s") % {"organisation": actor.organisation.name},
                count=membership_list_for_organisation(
                    actor=actor, organisation=actor.organisation
                ).count(),
                link=reverse("orgs:detail", args=[actor.organisation.pk]),
                link_label=_("See your organisation"),
            )
        )
    if can_view_audit_log(actor):
        page = audit_event_search(actor=actor, filters=AuditFilters(), limit=8)
        panels.append(
            Panel(
                "audit",
                _("Latest activity"),
                _("Nothing has been recorded yet in your area of work."),
                events=page.events,
                link=reverse("audit:search"),
                link_label=_("Search the audit log"),
            )
        )
    return panels
