"""Reads of the service directory: the public search and one service (published entries
only, texts in the reader's language), a provider's own entries with their pending
change, and the approval queue of a supervisor. Lists cost the same few queries however
many rows they hold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from pulang.audit.services import refuse
from pulang.errors import NotFound, PermissionDenied
from pulang.geo.models import AdminArea
from pulang.orgs.models import GOVERNMENT_OFFICE_KINDS
from pulang.orgs.policies import scope_q
from pulang.reference.selectors import language_list
from pulang.referrals.codes import (
    ChangeStatus,
    Cost,
    EntryStatus,
    NeedGroup,
    ProviderKind,
    ReturnMode,
    ServiceType,
)
from pulang.referrals.inputs import EntryInput, languages_in_order
from pulang.referrals.models import TEXT_FIELDS, Service, ServiceArea, ServiceChange
from pulang.referrals.policies import (
    Capability,
    can,
    may_approve_entry,
    may_manage_entry,
)
from pulang.referrals.selectors.coverage import covering_q
from pulang.registry.codes import Sex

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

HOME_COUNTRY = getattr(settings, "PULANG_HOME_COUNTRY", "ID")
LIMIT_MAX = 200

# --- texts in the reader's language --------------------------------------------------------


def _texts_of(service_or_proposed: Service | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(service_or_proposed, Service):
        return service_or_proposed.texts or {}
    return service_or_proposed.get("texts") or {}


def entry_text(service_or_proposed: Service | Mapping[str, Any], language: str) -> dict[str, str]:
    """The texts of an entry (a Service, or a proposal as ``EntryInput.to_json`` gives it)
    in one language: the reader's, else Indonesian, else English, else any written. All
    texts come from the one language chosen (never a mix), named in ``"language"``."""
    texts = _texts_of(service_or_proposed)
    order = [*languages_in_order(language), *sorted(texts)]
    chosen = next((lang for lang in order if (texts.get(lang) or {}).get("name")), "")
    values = texts.get(chosen) or {}
    result = {name: str(values.get(name, "")) for name in TEXT_FIELDS}
    if not result["name"] and isinstance(service_or_proposed, Service):
        result["name"] = service_or_proposed.name
    result["language"] = chosen
    return result


def eligibility_lines(entry: EntryInput) -> list[str]:
    """Who may use the service, in plain words; empty when anyone may."""
    lines: list[str] = []
    if entry.sexes and set(entry.sexes) != set(Sex.values):
        labels = {Sex.FEMALE: _("Women"), Sex.MALE: _("Men"), Sex.OTHER: _("Other")}
        lines.append(
            _("For: %(who)s") % {"who": ", ".join(str(labels[Sex(s)]) for s in entry.sexes)}
        )
    low, high = entry.min_age, entry.max_age
    if low is not None and high is not None:
        lines.append(_("Aged %(low)d to %(high)d") % {"low": low, "high": high})
    elif low is not None:
        lines.append(_("Aged %(low)d or more") % {"low": low})
    elif high is not None:
        lines.append(_("Aged %(high)d or less") % {"high": high})
    if entry.return_modes and set(entry.return_modes) != set(ReturnMode.values):
        modes = ", ".join(str(ReturnMode(m).label).lower() for m in entry.return_modes)
        lines.append(_("For returns that were: %(modes)s") % {"modes": modes})
    if entry.vulnerable_only:
        lines.append(_("Only for returnees an office has assessed as urgent or high priority"))
    return lines


def language_names(codes: Iterable[str]) -> dict[str, str]:
    """Each language by the name its speakers use where Django knows it (“Bahasa
    Indonesia”), else by its reference name; one query."""
    wanted = set(codes)
    if not wanted:
        return {}
    names = dict(language_list().filter(code__in=wanted).values_list("code", "name"))
    for code in wanted:
        try:
            names[code] = translation.get_language_info(code)["name_local"]
        except KeyError:
            names.setdefault(code, code)
    return names


def entry_input_of(service: Service) -> EntryInput:
    """The entry as it is now, in the form a proposal takes (its areas prefetched or read)."""
    return EntryInput(
        provider_kind=service.provider_kind,
        service_type=service.service_type,
        texts=service.texts or {},
        covers_country=service.covers_country,
        areas=tuple(sa.area.code for sa in service.areas.all()),
        sexes=tuple(service.sexes or ()),
        min_age=service.min_age,
        max_age=service.max_age,
        return_modes=tuple(service.return_modes or ()),
        vulnerable_only=service.vulnerable_only,
        capacity=service.capacity,
        languages=tuple(service.languages or ()),
        cost=service.cost,
        phone=service.phone,
        email=service.email,
        address=service.address,
        website=service.website,
    )


# --- the public directory ------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryRow:
    """One published service as the public sees it, in the reader's language."""

    id: int
    name: str
    description: str
    eligibility: str
    how_to_apply: str
    hours: str
    cost_note: str
    # The language the texts above are written in (it may not be the reader's).
    text_language: str
    service_type: str
    service_type_label: str
    group: str
    group_label: str
    provider_name: str
    provider_kind_label: str
    cost: str
    cost_label: str
    phone: str
    phone_display: str
    email: str
    address: str
    website: str
    covers_country: bool
    areas: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    who: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DirectoryResults:
    rows: list[DirectoryRow]
    total: int
    # The area searched for, when one was chosen.
    area: AdminArea | None = None


def phone_display(phone: str, country_code: str) -> str:
    """A stored number (E.164, or a short hotline) as people there write it."""
    if not phone.startswith("+"):
        return phone
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.region_code_for_number(parsed) == country_code:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _published() -> QuerySet[Service]:
    return (
        Service.objects.filter(status=EntryStatus.PUBLISHED)
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=ServiceArea.objects.select_related("area").order_by("area__path"),
            )
        )
    )


def _rows(services: list[Service], language: str) -> list[DirectoryRow]:
    names = language_names(code for s in services for code in (s.languages or ()))
    rows = []
    for service in services:
        text = entry_text(service, language)
        rows.append(
            DirectoryRow(
                id=service.pk,
                name=text["name"],
                description=text["description"],
                eligibility=text["eligibility"],
                how_to_apply=text["how_to_apply"],
                hours=text["hours"],
                cost_note=text["cost_note"],
                text_language=text["language"],
                service_type=service.service_type,
                service_type_label=str(ServiceType(service.service_type).label),
                group=service.group,
                group_label=str(NeedGroup(service.group).label),
                provider_name=service.provider.name,
                provider_kind_label=str(ProviderKind(service.provider_kind).label),
                cost=service.cost,
                cost_label=str(Cost(service.cost).label),
                phone=service.phone,
                phone_display=phone_display(service.phone, service.provider.country_id),
                email=service.email,
                address=service.address,
                website=service.website,
                covers_country=service.covers_country,
                areas=[sa.area.name for sa in service.areas.all()],
                languages=[names[c] for c in service.languages or () if c in names],
                who=eligibility_lines(entry_input_of(service)),
            )
        )
    return rows


def directory_search(
    *,
    area_code: str | None,
    group: str | None,
    service_type: str | None,
    language: str,
    limit: int = 50,
    offset: int = 0,
    country_code: str | None = None,
) -> DirectoryResults:
    """Published services offered where ``area_code`` lies (any area of the home country;
    :class:`NotFound` when unknown) for a need (``group``) or one kind of service, with
    their texts in ``language``. Nothing here is personal: anyone may search."""
    country = (country_code or HOME_COUNTRY).upper()
    services = _published().filter(provider__country_id=country)
    area = None
    if area_code:
        area = AdminArea.objects.filter(country_id=country, code=area_code, is_active=True).first()
        if area is None:
            raise NotFound()
        services = services.filter(covering_q(area))
    if group:
        services = services.filter(group=group)
    if service_type:
        services = services.filter(service_type=service_type)
    limit = max(1, min(limit, LIMIT_MAX))
    offset = max(0, offset)
    total = services.count()
    page = list(services[offset : offset + limit]) if total > offset else []
    return DirectoryResults(rows=_rows(page, language), total=total, area=area)


def service_public_get(*, service_id: int, language: str | None = None) -> DirectoryRow:
    """One published service (:class:`NotFound` otherwise), in ``language`` (by default
    the language of the request)."""
    service = _published().filter(pk=service_id).first()
    if service is None:
        raise NotFound()
    return _rows([service], language or translation.get_language() or "")[0]


# --- the providers' own entries and the approval queue -----------------------------------


@dataclass(frozen=True)
class ProviderEntry:
    """An entry with what is happening to it: the change waiting for approval, and the
    latest decision taken (its note says why a proposal was rejected)."""

    service: Service
    pending: ServiceChange | None
    last_decision: ServiceChange | None

    @property
    def is_new(self) -> bool:
        """Never published yet: the entry is only a proposal."""
        return self.service.published_at is None


def _with_changes(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("provider").prefetch_related(
        Prefetch(
            "areas", queryset=ServiceArea.objects.select_related("area").order_by("area__path")
        ),
        Prefetch(
            "changes",
            queryset=ServiceChange.objects.select_related("proposed_by", "decided_by").order_by(
                "-proposed_at", "-pk"
            ),
            to_attr="change_list",
        ),
    )


def _entry(service: Service) -> ProviderEntry:
    changes: list[ServiceChange] = getattr(service, "change_list", [])
    pending = next((c for c in changes if c.status == ChangeStatus.PENDING), None)
    decided = [c for c in changes if c.status != ChangeStatus.PENDING and c.decided_at]
    last = max(decided, key=lambda c: (c.decided_at, c.pk)) if decided else None
    return ProviderEntry(service=service, pending=pending, last_decision=last)


def services_of_provider(*, actor: Actor) -> list[ProviderEntry]:
    """The entries of the actor's own organisation, whatever their status, each with its
    pending change. Roles that do not keep entries get :class:`PermissionDenied`."""
    if not can(actor, Capability.MANAGE_ENTRIES):
        raise PermissionDenied()
    services = _with_changes(Service.objects.filter(provider=actor.organisation))
    return [_entry(s) for s in services.order_by("status", "name", "pk")]


def entry_get_for_actor(*, actor: Actor, service_id: int) -> ProviderEntry:
    """One entry, any status, for its organisation's members and for those who may
    approve it; :class:`NotFound` (audited) for anyone else."""
    service = _with_changes(Service.objects.filter(pk=service_id)).first()
    if service is None or not (
        may_manage_entry(actor, service.provider) or may_approve_entry(actor, service.provider)
    ):
        raise refuse(actor, subject_type="referrals.service", subject_id=str(service_id))
    return _entry(service)


def changes_pending(*, actor: Actor) -> QuerySet[ServiceChange]:
    """Proposals the actor may approve: pending, of providers in their jurisdiction, not
    of their own organisation (the query form of ``policies.may_approve_entry``)."""
    if (
        not can(actor, Capability.APPROVE_ENTRIES)
        or actor.organisation.kind not in GOVERNMENT_OFFICE_KINDS
    ):
        return ServiceChange.objects.none()
    in_reach = scope_q(
        actor,
        area="service__provider__area",
        destination_country="service__provider__destination_country",
        organisation="service__provider",
        home_country="service__provider__country",
    )
    return (
        ServiceChange.objects.filter(in_reach, status=ChangeStatus.PENDING)
        .exclude(service__provider=actor.organisation)
        .select_related("service__provider", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def change_get_for_actor(*, actor: Actor, change_id: int) -> ServiceChange:
    """One proposal, for those who may approve it and for the provider's own members;
    :class:`NotFound` (audited) for anyone else."""
    change = (
        ServiceChange.objects.select_related("service__provider", "proposed_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "service__areas",
                queryset=ServiceArea.objects.select_related("area").order_by("area__path"),
            )
        )
        .filter(pk=change_id)
        .first()
    )
    provider = change.service.provider if change is not None else None
    if (
        change is None
        or provider is None
        or not (may_approve_entry(actor, provider) or may_manage_entry(actor, provider))
    ):
        raise refuse(actor, subject_type="referrals.servicechange", subject_id=str(change_id))
    return change


def change_check_reach(*, actor: Actor, change_id: int) -> None:
    """:class:`NotFound` (audited) when the proposal is missing or out of reach, before a
    write's transaction."""
    change_get_for_actor(actor=actor, change_id=change_id)


# --- areas, for the forms ------------------------------------------------------------------


def area_names(*, country_code: str, codes: Iterable[str]) -> dict[str, str]:
    """Area names by code (codes not found are left out); one query."""
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    return dict(
        AdminArea.objects.filter(country_id=country_code, code__in=wanted).values_list(
            "code", "name"
        )
    )


def area_search(*, country_code: str, query: str, limit: int = 20) -> list[AdminArea]:
    """Areas whose name contains ``query`` or whose code starts with it, the larger ones
    first, each with its parent (to tell two villages of the same name apart)."""
    text = query.strip()
    if len(text) < 2:
        return []
    areas = AdminArea.objects.filter(country_id=country_code, is_active=True, level__gte=1)
    by_code = areas.filter(code__startswith=text)
    by_name = areas.filter(name__icontains=text)
    return list(
        (by_code | by_name).select_related("parent").order_by("level", "name", "pk")[:limit]
    )


def pending_count(*, actor: Actor) -> int:
    """How many proposals wait for the actor's approval (for a menu badge)."""
    return changes_pending(actor=actor).count()
