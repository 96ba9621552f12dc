"""Data-subject requests (PDP Law 27/2022, Philippine Data Privacy Act): a copy of
everything held, corrections (``person_update`` with a reason), and erasure as a
two-person workflow that anonymises the record while keeping what statistics count."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.selectors import audit_events_about
from pulang.audit.services import record
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.geo.models import AdminArea
from pulang.registry.codes import DatePrecision
from pulang.registry.consent_hooks import consent_withdrawn
from pulang.registry.errors import IntakeAlreadyDecided
from pulang.registry.held_elsewhere import held_for, held_subjects, row_of
from pulang.registry.models import (
    Consent,
    ErasureRequest,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonMerge,
    PersonName,
    PersonOrganisationLink,
    Return,
    Skill,
)
from pulang.registry.policies import Capability, can
from pulang.registry.selectors import person_file, person_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

ERASED_NAME = "—"
# Erased people keep their home area at district level: enough for regional counts.
KEEP_AREA_LEVEL = AdminArea.Level.DISTRICT


def person_export(*, actor: Actor, person_id: int) -> dict[str, Any]:
    """Everything held on a person, as data (the page renders the same for reading)."""
    if not can(actor, Capability.EXPORT_PERSON_DATA):
        raise PermissionDenied()
    file = person_file(actor=actor, person_id=person_id)
    p = file.person
    held = held_for(p)
    # Who read or changed the record, its reports, and what other parts hold on it.
    accesses = audit_events_about(
        subject_type="registry.person",
        subject_id=str(p.pk),
        also={
            "registry.intakerecord": [str(i.pk) for i in file.intakes],
            **held_subjects(held),
        },
    )
    export = {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "id": p.pk,
            "full_name": p.full_name,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "sex": p.sex,
            "birth_date": p.birth_date.isoformat() if p.birth_date else None,
            "birth_date_precision": p.birth_date_precision,
            "nationality": p.nationality_id,
            "phone": p.phone,
            "email": p.email,
            "home_area": p.home_area.code if p.home_area else None,
            "address": p.address,
            "has_disability": p.has_disability,
            "household_size": p.household_size,
            "dependants": p.dependants,
            "languages": p.languages,
            "education_level": p.education_level,
            "abroad_in": p.abroad_in_id,
        },
        "names": [{"kind": n.kind, "written": n.written} for n in file.names],
        "identifiers": [
            {
                "kind": i.kind,
                "number": i.number,
                "issuing_country": i.issuing_country_id,
                "valid_until": _iso(i.valid_until),
                "is_current": i.is_current,
                "verified": i.verified,
            }
            for i in file.identifiers
        ],
        "episodes": [
            {
                "destination_country": e.destination_country_id,
                "destination_city": e.destination_city,
                "employer": e.employer_name,
                "occupation": e.occupation_id,
                "job_title": e.job_title,
                "started_on": _iso(e.started_on),
                "ended_on": _iso(e.ended_on),
                "legal_status": e.legal_status,
                "abuse_reported": e.abuse_indicators,
                "sector": e.sector,
                "visa_type": e.visa_type,
                "agency": e.agency_name,
                "migration_cost": str(e.migration_cost) if e.migration_cost is not None else None,
                "migration_cost_currency": e.migration_cost_currency_id,
                "cost_financing": e.cost_financing,
            }
            for e in file.episodes
        ],
        "returns": [
            {
                "status": r.status,
                "returned_on": _iso(r.returned_on),
                "expected_on": _iso(r.expected_on),
                "reason": r.reason,
                "mode": r.mode,
                "port_of_entry": r.port_of_entry,
                "readiness": r.readiness,
                "intention": r.intention,
                "destination_area": r.destination_area.code if r.destination_area else None,
                "support_received": r.support_received,
            }
            for r in file.returns
        ],
        "skills": [
            {
                "kind": s.kind,
                "occupation": s.occupation_id,
                "language": s.language_id,
                "description": s.description,
                "level": s.level,
                "issuer": s.issuer,
                "evidence": s.evidence,
            }
            for s in file.skills
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "method": c.method,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                "note": c.note,
            }
            for c in file.consents
        ],
        "reports": [
            {
                "channel": i.channel,
                "received_at": i.received_at.isoformat(),
                "as_received": i.payload,
            }
            for i in file.intakes
        ],
        "organisation_links": [
            row_of(link, leave_out=("person",))
            for link in PersonOrganisationLink.objects.filter(person=p).order_by("pk")
        ],
        "erasure_requests": [
            row_of(request, leave_out=("person",))
            for request in ErasureRequest.objects.filter(person=p).order_by("pk")
        ],
        "merges": [
            row_of(merge)
            for merge in PersonMerge.objects.filter(Q(survivor=p) | Q(absorbed=p)).order_by("pk")
        ],
        # What the other parts of Pulang hold: cases, assessments, referrals.
        "held_elsewhere": held,
        # Who has read or changed the record: part of the right of access.
        "accessed_by": [
            {"at": e.at.isoformat(), "organisation": e.organisation_name, "action": e.action}
            for e in accesses
        ],
    }
    record(actor, Action.PERSON_EXPORTED, p)
    return export


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def erasure_request(*, actor: Actor, person_id: int, reason: str) -> ErasureRequest:
    """Take down a request to erase; a supervisor decides."""
    if not can(actor, Capability.REQUEST_ERASURE):
        raise PermissionDenied()
    person = person_get_for_actor(actor=actor, person_id=person_id)
    if not reason.strip():
        raise InvalidInput(errors=[{"field": "reason", "reason": _("say who asked and why")}])
    with transaction.atomic():
        existing = ErasureRequest.objects.filter(
            person=person, status=ErasureRequest.Status.REQUESTED
        ).first()
        if existing is not None:
            return existing
        request = ErasureRequest.objects.create(
            person=person,
            status=ErasureRequest.Status.REQUESTED,
            reason=reason.strip(),
            requested_by=actor.user,
            requested_at=timezone.now(),
        )
        record(actor, Action.ERASURE_REQUESTED, request, details={"person": person.pk})
    return request


def erasure_decide(
    *, actor: Actor, request_id: int, approve: bool, note: str = ""
) -> ErasureRequest:
    """A supervisor (never the one who asked) refuses, or erases by anonymising."""
    if not can(actor, Capability.DECIDE_ERASURE):
        raise PermissionDenied()
    request = ErasureRequest.objects.select_related("person").filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    person_get_for_actor(actor=actor, person_id=request.person_id)
    _check_open(request)
    if request.requested_by_id == actor.user.pk:
        raise InvalidInput(
            errors=[{"field": "decision", "reason": _("a second person must decide on an erasure")}]
        )
    if not approve and not note.strip():
        raise InvalidInput(
            errors=[{"field": "note", "reason": _("say why the erasure is refused")}]
        )
    with transaction.atomic():
        # Locked, then read again: two supervisors deciding at once, or a correction or a
        # merge of the record saved meanwhile, wait for this decision and then see it.
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        _check_open(request)
        request.person = Person.objects.select_for_update().get(pk=request.person_id)
        request.decided_by, request.decided_at = actor.user, timezone.now()
        request.decision_note = note.strip()
        if approve:
            _withdraw_consents(actor, request.person)
            _anonymise(request.person)
            # Who asked, and why, can name the person: the audit trail keeps who decided.
            ErasureRequest.objects.filter(person=request.person).update(reason="")
            request.reason, request.decision_note = "", ""
            request.status = ErasureRequest.Status.DONE
            record(actor, Action.PERSON_ERASED, request.person, details={"request": request.pk})
        else:
            request.status = ErasureRequest.Status.REFUSED
            record(actor, Action.ERASURE_REFUSED, request, reason=note.strip())
        request.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "reason"]
        )
    return request


def _check_open(request: ErasureRequest) -> None:
    if request.status != ErasureRequest.Status.REQUESTED:
        raise IntakeAlreadyDecided()


def _withdraw_consents(actor: Actor, person: Person) -> None:
    """Nothing more is done under the person's consents: each live one is withdrawn, with
    what follows from it (a referral stops showing the provider the person's details)."""
    now = timezone.now()
    for consent in Consent.objects.filter(
        Q(person=person) | Q(person__merged_into=person), withdrawn_at__isnull=True
    ):
        consent.withdrawn_at, consent.withdrawn_by = now, actor.user
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        consent_withdrawn(actor, consent)


def _anonymise(person: Person) -> None:
    """Remove everything that identifies the person; keep sex, year of birth, nationality,
    district, and the facts of migration and return that statistics count. Records merged
    into this one are anonymised with it (an unmerge of an erased record is refused)."""
    area = _district_of(person.home_area)
    Person.objects.filter(pk=person.pk).update(
        full_name=ERASED_NAME,
        given_name="",
        family_name="",
        birth_date=dt.date(person.birth_date.year, 1, 1) if person.birth_date else None,
        birth_date_precision=DatePrecision.YEAR,
        phone="",
        email="",
        address="",
        home_area=area,
        has_disability=None,
        household_size=None,
        dependants=None,
        languages=[],
        abroad_in=None,
        erased_at=timezone.now(),
        version=F("version") + 1,
    )
    PersonName.objects.filter(person=person).delete()
    Identifier.objects.filter(person=person).delete()
    Skill.objects.filter(person=person).update(description="", issuer="", evidence="")
    MigrationEpisode.objects.filter(person=person).update(
        destination_city="", employer_name="", job_title="", agency_name=""
    )
    Return.objects.filter(person=person).update(port_of_entry="", support_received="")
    Consent.objects.filter(person=person).update(note="")
    IntakeRecord.objects.filter(person=person).update(payload={"erased": True}, reference_code="")
    PersonMerge.objects.filter(Q(survivor=person) | Q(absorbed=person)).update(
        reason="", unmerge_reason=""
    )
    _cut_areas(Return.objects.filter(person=person), "destination_area")
    _cut_areas(IntakeRecord.objects.filter(person=person), "area")
    _clear_linkage_copies(person)
    _clear_case_work(person)
    # Records merged into this one hold the same person's details: they go too.
    for absorbed in Person.objects.filter(merged_into=person).select_related("home_area"):
        _anonymise(absorbed)


def _district_of(area: AdminArea | None) -> AdminArea | None:
    while area is not None and area.level > KEEP_AREA_LEVEL:
        area = area.parent
    return area


def _cut_areas(rows: Any, field: str) -> None:
    """Areas finer than a district (a village names a few hundred people) become their
    district on ``rows``, as the person's home area does."""
    finer = rows.filter(**{f"{field}__level__gt": KEEP_AREA_LEVEL})
    area_ids = set(finer.values_list(f"{field}_id", flat=True))
    for area in AdminArea.objects.filter(pk__in=area_ids).select_related("parent"):
        finer.filter(**{f"{field}_id": area.pk}).update(**{field: _district_of(area)})


def _clear_case_work(person: Person) -> None:
    """Assessments and cases keep what the returnee said and what officers wrote about
    them: the answers and every free text go; the need levels, priorities, stages and
    dates, which statistics count, stay. Through the app registry, as for linkage."""
    if apps.is_installed("pulang.assessments"):
        apps.get_model("assessments", "Assessment").objects.filter(
            return_event__person=person
        ).update(answers={"erased": True})
    if not apps.is_installed("pulang.cases"):
        return
    cases = apps.get_model("cases", "Case").objects.filter(person=person)
    cases.update(reason="")
    blank = {
        "CaseEvent": {"note": ""},
        "CaseNote": {"text": "", "ciphertext": None, "restricted": False},
        "ContactAttempt": {"outcome": ""},
        "FollowUp": {"outcome": ""},
        "Assistance": {"description": ""},
    }
    for model, values in blank.items():
        apps.get_model("cases", model).objects.filter(case__in=cases).update(**values)
    _cut_areas(cases, "area")
    plans = apps.get_model("cases", "Plan").objects.filter(case__in=cases)
    plans.update(returnee_words="", pre_departure_plan="")
    goals = apps.get_model("cases", "PlanGoal").objects.filter(plan__in=plans)
    goals.update(text="")
    apps.get_model("cases", "PlanAction").objects.filter(goal__in=goals).update(description="")
    if apps.is_installed("pulang.referrals"):
        # What was shared with providers and what they wrote back; the service, the dates
        # and the outcome, which statistics count, stay.
        referrals = apps.get_model("referrals", "Referral").objects.filter(person=person)
        referrals.update(
            shared_note="",
            override_reason="",
            decline_reason="",
            outcome_note="",
            feedback="",
            details_withdrawn=True,
        )
        _cut_areas(referrals, "area")
        events = apps.get_model("referrals", "ReferralEvent").objects
        events.filter(referral__in=referrals).update(note="")


def _clear_linkage_copies(person: Person) -> None:
    """Record linkage keeps, on each pair it found, copies of the values it compared (for
    the reviewer): those of a pair with this person go; the levels and weights, which say
    why the pair was found and hold nothing about anyone, stay. Through the app registry,
    because the registry does not depend on the linkage app built on it."""
    if not apps.is_installed("pulang.linkage"):
        return
    pairs = apps.get_model("linkage", "CandidatePair").objects
    for pair in pairs.filter(Q(person_a=person) | Q(person_b=person)):
        pair.comparisons = {
            name: {**comparison, "value_a": None, "value_b": None}
            for name, comparison in pair.comparisons.items()
        }
        pair.decision_note = ""
        pair.save(update_fields=["comparisons", "decision_note"])
    decisions = apps.get_model("linkage", "PairDecision").objects
    decisions.filter(Q(person_a=person) | Q(person_b=person)).update(note="")
