"""Writes to the service directory: a provider proposes an entry or a change, a
supervisor or administrator of another office approves or rejects it, and an entry is
taken off the directory.

The public sees an entry only once approved: a new entry waits as ``pending``, and a
change to a published entry leaves it as published until the change is approved. Each
entry has at most one pending change; a newer proposal replaces it. Every write checks
who may make it *before* its transaction (a refusal is audited, and a rollback would take
that record along), then locks the entry and checks the version the user saw: every write
— a proposal included — moves the version on, so two people never overwrite each other
unseen, and an approver never approves a proposal they have not seen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.referrals.codes import GROUP_OF, ChangeStatus, EntryStatus
from pulang.referrals.errors import ChangeNotPending, EntryWithdrawn, OwnEntry, StaleEntry
from pulang.referrals.inputs import EntryInput, ValidEntry, validate_entry
from pulang.referrals.models import Service, ServiceArea, ServiceChange
from pulang.referrals.policies import (
    Capability,
    can,
    may_approve_entry,
    may_manage_entry,
)
from pulang.referrals.selectors.directory import change_get_for_actor, entry_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import Organisation

NOTE_MAX = 500


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(errors=[{"field": field, "reason": reason}])


def _note(note: str, *, required: bool) -> str:
    text = " ".join(note.split())
    if required and not text:
        raise _invalid("note", _("say why, in a few words"))
    if len(text) > NOTE_MAX:
        raise _invalid("note", _("at most %(count)d characters") % {"count": NOTE_MAX})
    return text


def _apply(service: Service, valid: ValidEntry) -> None:
    """Copy a checked entry onto the Service (its areas are set by ``_set_areas``)."""
    entry = valid.entry
    service.provider_kind = entry.provider_kind
    service.service_type = entry.service_type
    service.group = GROUP_OF[entry.service_type]
    service.name = valid.name
    service.texts = {lang: dict(texts) for lang, texts in entry.texts.items()}
    service.covers_country = entry.covers_country
    service.sexes = list(entry.sexes)
    service.min_age = entry.min_age
    service.max_age = entry.max_age
    service.return_modes = list(entry.return_modes)
    service.vulnerable_only = entry.vulnerable_only
    service.capacity = entry.capacity
    service.languages = list(entry.languages)
    service.cost = entry.cost
    service.phone = entry.phone
    service.email = entry.email
    service.address = entry.address
    service.website = entry.website


def _set_areas(service: Service, valid: ValidEntry) -> None:
    wanted = {area.pk for area in valid.areas}
    ServiceArea.objects.filter(service=service).exclude(area_id__in=wanted).delete()
    kept = set(ServiceArea.objects.filter(service=service).values_list("area_id", flat=True))
    ServiceArea.objects.bulk_create(
        [ServiceArea(service=service, area_id=pk) for pk in sorted(wanted - kept)]
    )


def _locked(service_id: int, expected_version: int) -> Service:
    service = Service.objects.select_for_update().select_related("provider").get(pk=service_id)
    if service.version != expected_version:
        raise StaleEntry()
    return service


def _save(service: Service) -> None:
    service.updated_at = timezone.now()
    service.version += 1
    service.save()


def _check_keeper(actor: Actor, service_id: int) -> None:
    """Only the entry's own organisation proposes changes to it. Those who may only
    approve it are refused outright; anyone else learns nothing (audited)."""
    entry = entry_get_for_actor(actor=actor, service_id=service_id)
    if not may_manage_entry(actor, entry.service.provider):
        raise PermissionDenied()


def service_propose(
    *,
    actor: Actor,
    entry: EntryInput,
    service_id: int | None = None,
    expected_version: int | None = None,
) -> ServiceChange:
    """A provider's member proposes a new entry for their organisation (``service_id``
    None: the entry is created as pending, unseen by the public) or a change to one of
    its entries, seen at ``expected_version`` (the entry stays as it is until approved).
    A pending proposal for the same entry is replaced by this one."""
    if not can(actor, Capability.MANAGE_ENTRIES):
        raise PermissionDenied()
    seen_version = 0
    if service_id is not None:
        _check_keeper(actor, service_id)
        if expected_version is None:
            raise _invalid("expected_version", _("this is required"))
        seen_version = expected_version
    valid = validate_entry(entry, country_code=actor.organisation.country_id)
    now = timezone.now()
    replaced: int | None = None
    with transaction.atomic():
        if service_id is None:
            service = Service(
                provider=actor.organisation,
                status=EntryStatus.PENDING,
                created_at=now,
                updated_at=now,
            )
            _apply(service, valid)
            service.save(force_insert=True)
            _set_areas(service, valid)
        else:
            service = _locked(service_id, seen_version)
            if not may_manage_entry(actor, service.provider):
                raise PermissionDenied()
            old = ServiceChange.objects.filter(service=service, status=ChangeStatus.PENDING)
            replaced = old.values_list("pk", flat=True).first()
            old.delete()
            if service.published_at is None and service.status == EntryStatus.PENDING:
                # Never published: the entry is nothing but its proposal, shown to its
                # provider as proposed.
                _apply(service, valid)
                _set_areas(service, valid)
            _save(service)
        change = ServiceChange.objects.create(
            service=service,
            proposed=valid.entry.to_json(),
            status=ChangeStatus.PENDING,
            proposed_by=actor.user,
            proposed_at=now,
        )
        record(
            actor,
            Action.SERVICE_PROPOSED,
            service,
            details={
                "change": change.pk,
                "new": service_id is None,
                **({"replaces": replaced} if replaced is not None else {}),
            },
        )
    return change


def _check_approver(actor: Actor, change_id: int) -> None:
    """Before the transaction: the proposal is in the actor's reach (else NotFound,
    audited) and they may decide on it — never on their own organisation's (refused and
    audited)."""
    if not can(actor, Capability.APPROVE_ENTRIES):
        raise PermissionDenied()
    change = change_get_for_actor(actor=actor, change_id=change_id)
    provider: Organisation = change.service.provider
    if provider.pk == actor.organisation.pk:
        record(actor, Action.ACCESS_DENIED, change.service, reason="own organisation's entry")
        raise OwnEntry()
    if not may_approve_entry(actor, provider):
        raise PermissionDenied()


def service_change_decide(
    *,
    actor: Actor,
    change_id: int,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceChange:
    """A supervisor or administrator whose jurisdiction covers the provider, of another
    organisation, approves a proposal (it becomes the published entry, areas included,
    checked again as it stands today) or rejects it, saying why. ``expected_version``:
    the entry's version when the approver read the proposal (pages pass it)."""
    text = _note(note, required=not approve)
    _check_approver(actor, change_id)
    now = timezone.now()
    with transaction.atomic():
        change = (
            ServiceChange.objects.select_for_update()
            .select_related("service__provider")
            .filter(pk=change_id)
            .first()
        )
        if change is None or change.status != ChangeStatus.PENDING:
            raise ChangeNotPending()
        service = (
            Service.objects.select_for_update().select_related("provider").get(pk=change.service_id)
        )
        if expected_version is not None and service.version != expected_version:
            raise StaleEntry()
        if not may_approve_entry(actor, service.provider):
            raise PermissionDenied()
        if approve:
            valid = validate_entry(
                EntryInput.from_json(change.proposed), country_code=service.provider.country_id
            )
            _apply(service, valid)
            _set_areas(service, valid)
            if service.status != EntryStatus.PUBLISHED:
                service.status = EntryStatus.PUBLISHED
                service.published_at = now
        _save(service)
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = actor.user
        change.decided_at = now
        change.decision_note = text
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record(
            actor,
            Action.SERVICE_DECIDED,
            service,
            reason=text,
            details={"change": change.pk, "approved": approve},
        )
    return change


def service_withdraw(*, actor: Actor, service_id: int, expected_version: int, note: str) -> Service:
    """Take an entry off the directory (its provider's members, or those who may approve
    its entries), saying why. A pending proposal for it is dropped; a new proposal may
    bring it back, once approved."""
    text = _note(note, required=True)
    if not (can(actor, Capability.MANAGE_ENTRIES) or can(actor, Capability.APPROVE_ENTRIES)):
        raise PermissionDenied()
    entry_get_for_actor(actor=actor, service_id=service_id)  # out of reach: audited
    with transaction.atomic():
        service = _locked(service_id, expected_version)
        if not (
            may_manage_entry(actor, service.provider) or may_approve_entry(actor, service.provider)
        ):
            raise NotFound()
        if service.status == EntryStatus.WITHDRAWN:
            raise EntryWithdrawn()
        pending = ServiceChange.objects.filter(service=service, status=ChangeStatus.PENDING)
        dropped = pending.values_list("pk", flat=True).first()
        pending.delete()
        previous = service.status
        service.status = EntryStatus.WITHDRAWN
        _save(service)
        record(
            actor,
            Action.SERVICE_WITHDRAWN,
            service,
            reason=text,
            details={
                "from": previous,
                **({"dropped_change": dropped} if dropped is not None else {}),
            },
        )
    return service
