"""Reads of referrals, for each side: the case worker (through the case, in the cases
app's reach), the provider (their own organisation's referrals, minimum necessary, never
a declined one) and the supervisor or analyst (figures over their jurisdiction)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.assessments.codes import ServiceCategory
from pulang.assessments.selectors import needs_recommended
from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.cases.selectors import case_get_for_actor
from pulang.errors import PermissionDenied
from pulang.geo.models import AdminArea
from pulang.orgs.policies import scope_q
from pulang.referrals.codes import (
    OPEN_STATUSES,
    TYPES_FOR_CATEGORY,
    EntryStatus,
    ServiceType,
    Status,
)
from pulang.referrals.models import Referral, Reminder, Service, ServiceArea
from pulang.referrals.policies import Capability, can, is_provider_side, may_respond
from pulang.referrals.selectors.coverage import covering_q, enclosing_paths

if TYPE_CHECKING:
    from pulang.cases.models import Case
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person

# --- suggestions --------------------------------------------------------------------------

# Returnees whose case is at these priorities may use services kept for the vulnerable.
VULNERABLE_PRIORITIES = frozenset({"urgent", "high"})


@dataclass(frozen=True)
class Suggestion:
    service: Service
    eligible: bool
    full: bool
    # Why it ranks where it does, in words, for the case worker.
    reasons: list[str] = field(default_factory=list)
    # Why the returnee may not use it (empty when eligible).
    barriers: list[str] = field(default_factory=list)
    # Sort key: lower first.
    rank: tuple[int, ...] = ()


def _age(person: Person, today: dt.date) -> int | None:
    born = person.birth_date
    if born is None:
        return None
    return today.year - born.year - int((today.month, today.day) < (born.month, born.day))


def case_area(case: Case) -> AdminArea | None:
    """Where the returnee will use a service: where the case is followed at home, else
    their home area (a case still abroad)."""
    return case.area or case.person.home_area


def services_suggest(
    *,
    actor: Actor,
    case_id: int,
    service_types: list[str] | tuple[str, ...],
    limit: int = 20,
) -> list[Suggestion]:
    """Published services of the given types that cover where the returnee lives, the
    best first: those the returnee may use before those they may not (sex, age, how
    they returned, kept for the vulnerable), then with places left before full ones,
    then speaking one of the returnee's languages, then the most local (a village's
    service before the district's before the country's), then the least loaded.

    Three queries whatever the number of services (the case, the candidates, their
    areas); the ranking is done here, on the candidates of one area and a few types."""
    if not can(actor, Capability.REFER):
        raise PermissionDenied()
    types = [t for t in service_types if t in ServiceType.values]
    case = case_get_for_actor(actor=actor, case_id=case_id)
    area = case_area(case)
    if not types or area is None:
        return []
    candidates = list(
        Service.objects.filter(
            covering_q(area), status=EntryStatus.PUBLISHED, service_type__in=types
        ).select_related("provider")
    )
    depth = _coverage_depth(candidates, area)
    person = case.person
    today = timezone.localdate()
    age = _age(person, today)
    spoken = set(person.languages or [])
    mode = case.return_record.mode if case.return_record is not None else ""
    suggestions = []
    for service in candidates:
        barriers = _barriers(service, person.sex, age, mode, case.priority)
        full = service.capacity is not None and service.open_referrals >= service.capacity
        common = spoken & set(service.languages or [])
        level = depth.get(service.pk, 0)
        reasons = [_coverage_reason(service, level, area)]
        if common:
            reasons.append(_("speaks the returnee's language"))
        if service.capacity is not None:
            reasons.append(
                _("%(taken)d of %(places)d places taken")
                % {"taken": service.open_referrals, "places": service.capacity}
            )
        load = (
            service.open_referrals * 1000 // service.capacity
            if service.capacity
            else service.open_referrals
        )
        suggestions.append(
            Suggestion(
                service=service,
                eligible=not barriers,
                full=full,
                reasons=reasons,
                barriers=barriers,
                rank=(
                    int(bool(barriers)),
                    int(full),
                    int(not common),
                    -level,
                    types.index(service.service_type),
                    load,
                    service.pk,
                ),
            )
        )
    suggestions.sort(key=lambda s: s.rank)
    return suggestions[:limit]


def _coverage_depth(services: list[Service], area: AdminArea) -> dict[int, int]:
    """For each service, the level of the deepest of its areas enclosing ``area``
    (village 4 … province 1; a whole-country service 0)."""
    if not services:
        return {}
    found: dict[int, int] = {}
    rows = ServiceArea.objects.filter(service__in=[s.pk for s in services]).values_list(
        "service_id", "area__path", "area__level"
    )
    for service_id, path, level in rows:
        if area.path.startswith(path):
            found[service_id] = max(found.get(service_id, 0), level)
    return found


def _coverage_reason(service: Service, level: int, area: AdminArea) -> str:
    if level == 0:
        return _("offered in the whole country")
    if level == area.level:
        return _("offered in the returnee's own area")
    return _("offered in the area around the returnee's home")


def _barriers(service: Service, sex: str, age: int | None, mode: str, priority: str) -> list[str]:
    barriers = []
    if service.sexes and sex not in service.sexes:
        barriers.append(_("not for the returnee's sex"))
    if age is not None and (
        (service.min_age is not None and age < service.min_age)
        or (service.max_age is not None and age > service.max_age)
    ):
        barriers.append(_("not for the returnee's age"))
    if service.return_modes and mode and mode not in service.return_modes:
        barriers.append(_("not for the way the returnee came home"))
    if service.vulnerable_only and priority not in VULNERABLE_PRIORITIES:
        barriers.append(_("kept for returnees assessed urgent or high priority"))
    return barriers


# --- the case worker's side ---------------------------------------------------------------


def referrals_of_case(*, case: Case) -> QuerySet[Referral]:
    """The referrals of a case already read for the actor (``case_get_for_actor``)."""
    return Referral.objects.filter(case=case).select_related(
        "service", "provider", "action", "sent_by"
    )


def referral_get_for_case(*, actor: Actor, referral_id: int) -> Referral:
    """A referral seen from its case: the case must be in the actor's reach (a
    restricted one with clearance, and that look audited); else "not found"."""
    referral = (
        Referral.objects.select_related("service", "provider", "action", "sent_by")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not can(actor, Capability.REFER):
        raise refuse(actor, subject_type="referrals.referral", subject_id=str(referral_id))
    case_get_for_actor(actor=actor, case_id=referral.case_id)
    return referral


# --- the provider's side ------------------------------------------------------------------


class InboxTab:
    NEW = "new"
    ACTIVE = "active"
    DONE = "done"


INBOX_STATUSES: dict[str, tuple[Status, ...]] = {
    InboxTab.NEW: (Status.SENT,),
    InboxTab.ACTIVE: (Status.ACCEPTED, Status.IN_SERVICE),
    InboxTab.DONE: (Status.COMPLETED, Status.CLOSED),
}


def provider_inbox(*, actor: Actor, tab: str = InboxTab.NEW) -> QuerySet[Referral]:
    """The provider's referrals at one stage: new ones (the longest waiting first),
    those in hand, and those done (the latest first). Declined ones are not theirs any
    more. One query for a page, whatever the inbox holds."""
    if not can(actor, Capability.RESPOND):
        raise PermissionDenied()
    statuses = INBOX_STATUSES.get(tab, INBOX_STATUSES[InboxTab.NEW])
    order = ("sent_at", "pk") if tab != InboxTab.DONE else ("-sent_at", "-pk")
    return (
        Referral.objects.filter(
            provider=actor.organisation.pk, status__in=statuses, details_withdrawn=False
        )
        .select_related("service", "person", "organisation", "area", "sent_by")
        .order_by(*order)
    )


def provider_inbox_counts(*, actor: Actor) -> dict[str, int]:
    """How many referrals wait at each stage (the inbox's tabs)."""
    if not can(actor, Capability.RESPOND):
        raise PermissionDenied()
    counts = {tab: 0 for tab in INBOX_STATUSES}
    rows = (
        Referral.objects.filter(provider=actor.organisation.pk, details_withdrawn=False)
        .exclude(status=Status.DECLINED)
        .values_list("status")
        .order_by()
    )
    tab_of: dict[str, str] = {
        status.value: tab for tab, statuses in INBOX_STATUSES.items() for status in statuses
    }
    for status, count in rows.annotate(n=Count("*")).values_list("status", "n"):
        counts[tab_of[status]] += count
    return counts


@dataclass(frozen=True)
class ProviderView:
    """What a provider is told about a referral: enough to contact and serve the
    returnee, nothing of the case, the assessment or other referrals."""

    referral: Referral
    name: str
    sex: str
    age: int | None
    phone: str
    languages: list[str]
    area: str
    referred_by: str
    referring_office: str


def provider_view(referral: Referral, today: dt.date) -> ProviderView:
    person = referral.person
    sender = referral.sent_by
    return ProviderView(
        referral=referral,
        name=person.full_name,
        sex=person.get_sex_display(),
        age=_age(person, today),
        phone=person.phone,
        languages=list(person.languages or []),
        area=referral.area.name if referral.area is not None else "",
        referred_by=sender.get_full_name() or sender.get_username(),
        referring_office=referral.organisation.name,
    )


def provider_referral_get(*, actor: Actor, referral_id: int) -> ProviderView:
    """One referral for its provider (audited). Another provider's, or one this provider
    declined, is "not found" (audited too)."""
    referral = (
        Referral.objects.select_related("service", "person", "organisation", "area", "sent_by")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not may_respond(actor, referral):
        raise refuse(actor, subject_type="referrals.referral", subject_id=str(referral_id))
    record(actor, Action.REFERRAL_VIEWED, referral)
    return provider_view(referral, timezone.localdate())


# --- reminders ----------------------------------------------------------------------------


def reminders_unseen(*, actor: Actor) -> QuerySet[Reminder]:
    """Reminders for the actor: their organisation's as a provider, their own as the
    case worker who sent the referral."""
    mine = Q(recipient=Reminder.Recipient.CASE_WORKER, user=actor.user)
    ours = Q(recipient=Reminder.Recipient.PROVIDER, organisation=actor.organisation.pk)
    return (
        Reminder.objects.filter(mine | ours, seen_at__isnull=True)
        .select_related("referral__service")
        .order_by("-created_at", "-pk")
    )


# --- figures ------------------------------------------------------------------------------


@dataclass
class FunnelRow:
    key: str
    label: str
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    completed: int = 0
    closed: int = 0
    open: int = 0
    days_to_accept: list[float] = field(default_factory=list)
    days_to_complete: list[float] = field(default_factory=list)

    @property
    def median_days_to_accept(self) -> float | None:
        return round(statistics.median(self.days_to_accept), 1) if self.days_to_accept else None

    @property
    def median_days_to_complete(self) -> float | None:
        return round(statistics.median(self.days_to_complete), 1) if self.days_to_complete else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "sent": self.sent,
            "accepted": self.accepted,
            "declined": self.declined,
            "completed": self.completed,
            "closed": self.closed,
            "open": self.open,
            "median_days_to_accept": self.median_days_to_accept,
            "median_days_to_complete": self.median_days_to_complete,
        }


BY = ("provider", "service_type", "area")


def referrals_in_scope(actor: Actor) -> QuerySet[Referral]:
    """The referrals whose figures the actor may see: a provider its own; others those
    sent by an office or for a returnee in their jurisdiction."""
    if not can(actor, Capability.VIEW_FIGURES):
        raise PermissionDenied()
    if is_provider_side(actor):
        return Referral.objects.filter(provider=actor.organisation.pk)
    return Referral.objects.filter(
        scope_q(actor, area="area", organisation="organisation")
        | scope_q(actor, area="case__area", destination_country="case__abroad_in")
    )


def referral_funnel(
    *, actor: Actor, by: str = "provider", since: dt.date | None = None
) -> list[FunnelRow]:
    """Sent, accepted, declined, completed and closed referrals, and the median days to
    accept and to complete, grouped by provider, service type or the area the case is
    followed in. One query;
    the medians are computed here from the rows' dates."""
    if by not in BY:
        by = "provider"
    rows = referrals_in_scope(actor)
    if since is not None:
        rows = rows.filter(sent_at__date__gte=since)
    key_field = {
        "provider": ("provider_id", "provider__name"),
        "service_type": ("service_type", "service_type"),
        "area": ("area_id", "area__name"),
    }[by]
    values = rows.order_by().values_list(
        key_field[0],
        key_field[1],
        "status",
        "sent_at",
        "responded_at",
        "completed_at",
    )
    groups: dict[str, FunnelRow] = {}
    labels = dict(ServiceType.choices)
    for key, label, status, sent_at, responded_at, completed_at in values.iterator(chunk_size=5000):
        name = str(labels.get(label, label) if by == "service_type" else (label or "—"))
        row = groups.setdefault(str(key), FunnelRow(key=str(key), label=name))
        row.sent += 1
        if status == Status.DECLINED:
            row.declined += 1
        elif responded_at is not None:
            row.accepted += 1
            row.days_to_accept.append((responded_at - sent_at).total_seconds() / 86400)
        if status == Status.COMPLETED:
            row.completed += 1
            if completed_at is not None:
                row.days_to_complete.append((completed_at - sent_at).total_seconds() / 86400)
        elif status == Status.CLOSED:
            row.closed += 1
        if status in OPEN_STATUSES:
            row.open += 1
    return sorted(groups.values(), key=lambda r: (-r.sent, r.label))


@dataclass(frozen=True)
class Gap:
    area: str
    category: str
    returnees: int


def service_gaps(*, actor: Actor, limit: int = 200) -> list[Gap]:
    """Needs the assessments recommend (each person's latest) in areas where no
    published service of a matching type is offered: where to look for providers. The
    directory is read once; whatever the number of areas, four queries."""
    if not can(actor, Capability.VIEW_FIGURES) or is_provider_side(actor):
        raise PermissionDenied()
    needs = needs_recommended(actor=actor)
    if not needs:
        return []
    offered_in: set[tuple[str, str]] = set()  # (service type, area path)
    offered_country: set[tuple[str, str]] = set()  # (service type, country)
    published = Service.objects.filter(status=EntryStatus.PUBLISHED)
    for service_type, country in published.filter(covers_country=True).values_list(
        "service_type", "provider__country_id"
    ):
        offered_country.add((service_type, country))
    for service_type, path in ServiceArea.objects.filter(service__in=published).values_list(
        "service__service_type", "area__path"
    ):
        offered_in.add((service_type, path))
    areas = {a.pk: a for a in AdminArea.objects.filter(pk__in=list(needs))}
    labels = dict(ServiceCategory.choices)
    gaps = []
    for area_id, wanted in needs.items():
        area = areas.get(area_id)
        if area is None:
            continue
        paths = enclosing_paths(area)
        for category, count in wanted.items():
            types = TYPES_FOR_CATEGORY.get(category, ())
            if not types:
                continue  # information only: no provider needed
            covered = any(
                (t, area.country_id) in offered_country
                or any((t, path) in offered_in for path in paths)
                for t in types
            )
            if not covered:
                gaps.append(
                    Gap(
                        area=area.name,
                        category=str(labels.get(category, category)),
                        returnees=count,
                    )
                )
    gaps.sort(key=lambda g: (-g.returnees, g.area, g.category))
    return gaps[:limit]
