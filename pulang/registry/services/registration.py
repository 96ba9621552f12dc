"""Registration: every channel ends in :func:`registration_submit` (or
:func:`intake_decide` for reports that wait for an office), so every person is created,
checked for duplicates at the door and audited the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, PermissionDenied
from pulang.registry.codes import Channel, ReturnStatus
from pulang.registry.errors import IdempotencyKeyReused, IntakeAlreadyDecided
from pulang.registry.inputs import (
    EpisodeInput,
    IdentifierInput,
    RegistrationInput,
    Resolved,
    ReturnInput,
    SkillInput,
    validate_registration,
)
from pulang.registry.models import (
    Consent,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonName,
    PersonOrganisationLink,
    Return,
    Skill,
)
from pulang.registry.names import name_keys
from pulang.registry.policies import (
    Capability,
    can,
    in_area_of_work,
    links_own_records,
    person_scope_q,
    restricts,
)
from pulang.registry.search import Match, PersonQuery, find_people
from pulang.registry.selectors import intake_get_for_actor, person_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

# A registration is held back for a decision when an existing person scores at least this
# (e.g. a very similar name and the same date of birth, or the same ID number).
DOOR_THRESHOLD = 1.0
DOOR_NAME_ONLY_THRESHOLD = 0.92


class OnMatch(enum.StrEnum):
    ASK = "ask"  # hold back and show the people found (pages, API default)
    CREATE = "create"  # register anyway; linkage reviews it later (feeds, imports)
    LINK = "link"  # attach to ``link_to``
    CHECK = "check"  # only look for people already registered; never write (a waiting report)


@dataclass
class RegistrationOutcome:
    intake: IntakeRecord | None
    person: Person | None
    created: bool = False
    replayed: bool = False
    candidates: list[Match] = field(default_factory=list)
    hidden_candidates: int = 0


def payload_of(data: RegistrationInput) -> dict[str, Any]:
    """The registration as JSON, kept on the intake record exactly as received."""
    return json.loads(json.dumps(dataclasses.asdict(data), cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def is_restricted_registration(resolved: Resolved) -> bool:
    episode = resolved.data.episode
    return restricts(
        is_minor=resolved.is_minor, abuse_indicators=episode.abuse_indicators if episode else ()
    )


def prospective_person(resolved: Resolved) -> Person:
    data = resolved.data
    still_abroad = data.return_ is not None and data.return_.status == ReturnStatus.EXPECTED
    home_area = resolved.home_area or resolved.return_area
    return Person(
        full_name=data.full_name,
        given_name=data.given_name.strip(),
        family_name=data.family_name.strip(),
        sex=data.sex,
        birth_date=data.birth_date,
        birth_date_precision=data.birth_date_precision,
        nationality=resolved.nationality,
        phone=resolved.phone,
        email=data.email.strip(),
        home_area=home_area,
        address=data.address.strip(),
        has_disability=data.has_disability,
        household_size=data.household_size,
        dependants=data.dependants,
        languages=list(data.languages),
        education_level=data.education_level,
        abroad_in=resolved.destination_country if still_abroad else None,
        is_restricted=is_restricted_registration(resolved),
    )


# The trigram similarity the door's search asks of a name found only by its typo fallback
# (PostgreSQL; the search's default is 0.3). A new name sharing one frequent word with
# thousands ("Santos", "Dela Cruz", "Nguyen") read them all at 0.3 to discard nearly all:
# 150-330 ms of a check at 1,000,000 people. The door sees the whole name as written, and
# the run over the whole registry finds what it misses; bench.search's recall@10 is the
# same at 0.4 (docs/registry.md, "Duplicate check at the door").
DOOR_TYPO_THRESHOLD = 0.4


def _door_query(resolved: Resolved, *, limit: int) -> PersonQuery:
    data = resolved.data
    return PersonQuery(
        name=data.full_name,
        birth_date=data.birth_date if data.birth_date_precision == "day" else None,
        birth_year=data.birth_date.year
        if data.birth_date and data.birth_date_precision != "day"
        else None,
        id_number=resolved.identifiers[0][2] if resolved.identifiers else "",
        phone=resolved.phone,
        phone_region=resolved.nationality.pk,
        limit=limit,
        typo_threshold=DOOR_TYPO_THRESHOLD,
    )


# --- The model at the door ---------------------------------------------------------------
# The linkage app scores the door's candidates with its trained model. The registry does
# not import it (linkage builds on the registry: that would be a cycle); linkage registers
# its scorer when the apps are ready (pulang.linkage.apps), and the door falls back to the
# search's own score while none is registered or no model has been trained yet.

# Candidates the search hands to the model: more than it shows, since the model, not the
# search's score, decides who is shown.
DOOR_MODEL_CANDIDATES = 20
# Candidates the search's own score chooses among, without a model.
DOOR_SHOWN = 5


@dataclass(frozen=True)
class DoorRecord:
    """The new record as the model compares it: the unsaved person, its names as
    ``(kind, written)`` and its document numbers (normalised)."""

    person: Person
    names: list[tuple[str, str]]
    identifiers: list[str]


@dataclass(frozen=True)
class ModelScore:
    """The trained model's view of a candidate: the match probability and weight, and per
    comparison the level reached, its weight and both values (``value_a`` the new record),
    as a reviewer of the linkage queue sees a pair; ``reasons`` in the reader's language."""

    probability: float
    weight: float
    model_version: int
    comparisons: dict[str, dict[str, Any]]
    reasons: list[str]


class DoorScorer(Protocol):
    def __call__(
        self, *, record: DoorRecord, candidate_ids: Sequence[int]
    ) -> dict[int, ModelScore] | None:
        """Scores by candidate id, or None when there is no trained model to score with."""


_door_scorer: DoorScorer | None = None


def door_scorer_register(scorer: DoorScorer | None) -> None:
    """Called once by the linkage app when it is ready (None: back to the search's score)."""
    global _door_scorer
    _door_scorer = scorer


@dataclass
class DoorMatch(Match):
    """A candidate the trained model scored: ``score`` is its match probability."""

    model: ModelScore | None = None


def door_record(resolved: Resolved, prospective: Person) -> DoorRecord:
    data = resolved.data
    names = [(PersonName.Kind.PRIMARY.value, data.full_name)]
    if data.native_name.strip():
        names.append((PersonName.Kind.NATIVE_SCRIPT.value, " ".join(data.native_name.split())))
    names += [(PersonName.Kind.ALIAS.value, " ".join(a.split())) for a in data.aliases if a.strip()]
    return DoorRecord(
        person=prospective,
        names=names,
        identifiers=[number for _item, _country, number in resolved.identifiers],
    )


def duplicate_candidates(actor: Actor, resolved: Resolved) -> tuple[list[Match], int]:
    """People already registered who may be this person: those the actor may see, and how
    many more exist outside the actor's scope (never shown; linkage reviews them; restricted
    ones counted only for staff with clearance).

    The registry's search finds the candidates. With a trained linkage model, the model
    decides who is likely (match probability at or above ``PULANG_DOOR_THRESHOLD``) and
    explains it with its per-comparison weights, as a batch run would score the same pair;
    without one (a fresh install), the search's own score decides
    (``DOOR_THRESHOLD``, ``DOOR_NAME_ONLY_THRESHOLD``)."""
    live = Q(erased_at__isnull=True, merged_into__isnull=True)
    limit = DOOR_MODEL_CANDIDATES if _door_scorer is not None else DOOR_SHOWN
    everyone = find_people(query=_door_query(resolved, limit=limit), within=live)
    likely = _model_likely(resolved, everyone) if everyone and _door_scorer is not None else None
    if likely is None:
        # No trained model yet (a fresh install): the search's own score decides, on the
        # same first candidates as always (the search ranks by that score).
        likely = [
            m
            for m in everyone[:DOOR_SHOWN]
            if m.score >= DOOR_THRESHOLD or m.name_score >= DOOR_NAME_ONLY_THRESHOLD
        ]
    if not likely:
        return [], 0
    visible_ids = set(
        Person.objects.filter(
            person_scope_q(actor), pk__in=[m.person.pk for m in likely]
        ).values_list("pk", flat=True)
    )
    shown = [m for m in likely if m.person.pk in visible_ids]
    # A restricted record is not even counted for those without clearance: the count
    # would tell them that such a person is registered (linkage reviews the pair).
    counted = [
        m
        for m in likely
        if m.person.pk not in visible_ids and (actor.has_clearance or not m.person.is_restricted)
    ]
    return shown, len(counted)


def _model_likely(resolved: Resolved, everyone: list[Match]) -> list[Match] | None:
    """The candidates the trained model puts at or above the door's threshold, likeliest
    first; None when there is no model (the caller falls back)."""
    assert _door_scorer is not None  # noqa: S101 - checked by the caller
    record = door_record(resolved, prospective_person(resolved))
    scores = _door_scorer(record=record, candidate_ids=[m.person.pk for m in everyone])
    if scores is None:
        return None
    threshold = float(settings.PULANG_DOOR_THRESHOLD)
    likely: list[Match] = []
    for m in everyone:
        scored = scores.get(m.person.pk)
        if scored is None or scored.probability < threshold:
            continue
        likely.append(
            DoorMatch(
                person=m.person,
                score=round(scored.probability, 4),
                name_score=m.name_score,
                matched_name=m.matched_name,
                reasons=scored.reasons,
                model=scored,
            )
        )
    likely.sort(key=lambda m: (-m.score, m.person.pk))
    return likely


def add_names(person: Person, resolved: Resolved) -> None:
    data = resolved.data
    written = [(PersonName.Kind.PRIMARY, data.full_name)]
    if data.native_name.strip():
        written.append((PersonName.Kind.NATIVE_SCRIPT, " ".join(data.native_name.split())))
    written += [(PersonName.Kind.ALIAS, " ".join(a.split())) for a in data.aliases if a.strip()]
    existing = set(PersonName.objects.filter(person=person).values_list("written", flat=True))
    has_primary = PersonName.objects.filter(person=person, kind=PersonName.Kind.PRIMARY).exists()
    rows = []
    for kind, text in written:
        if text in existing:
            continue
        existing.add(text)
        keys = name_keys(text)
        # A report linked to someone already registered adds its spelling as an alias.
        if kind == PersonName.Kind.PRIMARY and has_primary:
            kind = PersonName.Kind.ALIAS
        rows.append(
            PersonName(
                person=person,
                kind=kind,
                written=text,
                folded=keys.folded[:200],
                sorted_tokens=keys.sorted_tokens[:200],
                phonetic=keys.phonetic[:200],
                script=keys.script,
                birth_year=data.birth_date.year if data.birth_date else None,
            )
        )
    PersonName.objects.bulk_create(rows)


def _add_details(actor: Actor, person: Person, resolved: Resolved, channel: str) -> None:
    """Identifiers, the episode, the return, skills and consents the report carries.
    Nothing already recorded is overwritten: a report adds, an officer corrects."""
    data = resolved.data
    known = set(
        Identifier.objects.filter(person=person).values_list("kind", "issuing_country_id", "number")
    )
    Identifier.objects.bulk_create(
        [
            Identifier(person=person, kind=item.kind, number=number, issuing_country=country)
            for item, country, number in resolved.identifiers
            if (item.kind, country.pk, number) not in known
        ]
    )
    episode = None
    if data.episode is not None and resolved.destination_country is not None:
        e = data.episode
        episode = MigrationEpisode.objects.create(
            person=person,
            destination_country=resolved.destination_country,
            destination_city=e.destination_city.strip(),
            employer_name=e.employer_name.strip(),
            sector=e.sector,
            occupation=resolved.occupation,
            job_title=e.job_title.strip(),
            visa_type=e.visa_type.strip(),
            started_on=e.started_on,
            ended_on=e.ended_on,
            recruitment_agency=actor.organisation if links_own_records(actor) else None,
            agency_name=e.agency_name.strip(),
            legal_status=e.legal_status,
            migration_cost=e.migration_cost,
            migration_cost_currency=resolved.currency,
            cost_financing=list(e.cost_financing),
            abuse_indicators=list(e.abuse_indicators),
        )
    if data.return_ is not None:
        r = data.return_
        Return.objects.create(
            person=person,
            episode=episode,
            status=r.status,
            returned_on=r.returned_on,
            expected_on=r.expected_on,
            port_of_entry=r.port_of_entry.strip(),
            reason=r.reason,
            mode=r.mode,
            readiness=r.readiness,
            intention=r.intention,
            destination_area=resolved.return_area,
            support_received=r.support_received.strip(),
            channel=channel,
            reported_by=actor.organisation,
        )
    Skill.objects.bulk_create(
        [
            Skill(
                person=person,
                episode=episode,
                kind=s.kind,
                occupation=resolved.skill_occupations[i],
                language=resolved.skill_languages[i],
                description=s.description.strip(),
                level=s.level,
                issuer=s.issuer.strip(),
                evidence=s.evidence.strip(),
            )
            for i, s in enumerate(data.skills)
        ]
    )
    live = set(
        Consent.objects.filter(person=person, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(
                person=person,
                purpose=purpose,
                method=data.consent_method,
                given_at=now,
                recorded_by=actor.user,
                recorded_by_organisation=actor.organisation,
            )
            for purpose in dict.fromkeys(data.consents)
            if purpose not in live
        ]
    )
    if links_own_records(actor):
        PersonOrganisationLink.objects.get_or_create(person=person, organisation=actor.organisation)


def _check_scope_of_new(actor: Actor, prospective: Person, resolved: Resolved) -> None:
    # The organisation's own-records link is made on save, so count it as made.
    own = {actor.organisation.pk} if links_own_records(actor) else set()
    # A restricted record is registered all the same (the actor just will not see it
    # after), but only where the actor works, like any other.
    if not in_area_of_work(actor, prospective, own):
        raise InvalidInput(
            errors=[
                {
                    "field": "home_area",
                    "reason": _("this person's home area is outside your area of work")
                    if prospective.home_area
                    else _("give the person's home area"),
                }
            ]
        )


def registration_submit(
    *,
    actor: Actor,
    data: RegistrationInput,
    channel: str,
    idempotency_key: str = "",
    on_match: str = OnMatch.ASK,
    link_to: int | None = None,
    intake: IntakeRecord | None = None,
) -> RegistrationOutcome:
    """Register a returnee (or a worker still abroad) reported through ``channel``.

    - Sent before with the same ``idempotency_key`` by the same organisation: the first
      outcome is returned and nothing is written (``replayed``).
    - Invalid: :class:`InvalidInput` listing every problem; nothing is written.
    - ``on_match="ask"`` and people already registered may be this person: nothing is
      written and they are returned as ``candidates`` (with ``hidden_candidates`` outside
      the actor's scope). The caller repeats with ``link`` and ``link_to`` or ``create``.
    - ``on_match="check"``: the same look-up, and nothing is written whatever it finds.
    - Otherwise the person is created (or the report attached to ``link_to``), the report
      kept as an :class:`IntakeRecord`, all in one transaction, audited.
    """
    if not can(actor, Capability.REGISTER):
        raise PermissionDenied()
    channel = Channel(channel)
    on_match = OnMatch(on_match)
    if idempotency_key:
        previous = _replay(actor, channel, idempotency_key, data)
        if previous is not None:
            return previous
    resolved = validate_registration(data)
    target = None
    hidden = 0
    if on_match == OnMatch.LINK:
        if link_to is None:
            raise InvalidInput(
                errors=[{"field": "link_to", "reason": _("say which person to link to")}]
            )
        target = person_get_for_actor(actor=actor, person_id=link_to)
    else:
        prospective = prospective_person(resolved)
        _check_scope_of_new(actor, prospective, resolved)
        if on_match in (OnMatch.ASK, OnMatch.CHECK):
            shown, hidden = duplicate_candidates(actor, resolved)
            if shown or on_match == OnMatch.CHECK:
                return RegistrationOutcome(
                    intake=intake, person=None, candidates=shown, hidden_candidates=hidden
                )
    try:
        with transaction.atomic():
            outcome = _write(actor, resolved, channel, idempotency_key, target, intake)
        # Registered all the same: the officer is still told that others may be this person.
        outcome.hidden_candidates = hidden
        return outcome
    except IntegrityError:
        # Two deliveries of the same keyed report raced; the other one won.
        if idempotency_key:
            previous = _replay(actor, channel, idempotency_key, data)
            if previous is not None:
                return previous
        raise


def _write(
    actor: Actor,
    resolved: Resolved,
    channel: str,
    idempotency_key: str,
    target: Person | None,
    intake: IntakeRecord | None,
) -> RegistrationOutcome:
    now = timezone.now()
    if target is None:
        person = prospective_person(resolved)
        person.save()
        created = True
    else:
        person, created = target, False
        if is_restricted_registration(resolved) and not person.is_restricted:
            # What the report tells (a child; violence; trafficking) restricts the record
            # it joins, as it would have restricted a new one.
            Person.objects.filter(pk=person.pk).update(
                is_restricted=True, version=F("version") + 1, updated_at=now
            )
            person.refresh_from_db()
    add_names(person, resolved)
    _add_details(actor, person, resolved, channel)
    status = IntakeRecord.Status.CREATED if created else IntakeRecord.Status.LINKED
    if intake is None:
        intake = IntakeRecord.objects.create(
            channel=channel,
            payload=payload_of(resolved.data),
            received_at=now,
            received_by=actor.user,
            organisation=actor.organisation,
            idempotency_key=idempotency_key,
            area=person.home_area,
            person=person,
            status=status,
            decided_at=now,
            decided_by=actor.user,
        )
    else:
        intake.person, intake.status, intake.decided_at, intake.decided_by = (
            person,
            status,
            now,
            actor.user,
        )
        _decide_once(intake, ["person", "status", "decided_at", "decided_by"])
    record(
        actor,
        Action.PERSON_REGISTERED if created else Action.INTAKE_LINKED,
        person,
        details={"intake": intake.pk, "channel": channel},
    )
    return RegistrationOutcome(intake=intake, person=person, created=created)


def _replay(
    actor: Actor, channel: str, key: str, data: RegistrationInput
) -> RegistrationOutcome | None:
    """The outcome of the report first sent with ``key``; :class:`IdempotencyKeyReused`
    when this one differs from it (a client reusing keys would otherwise lose reports)."""
    intake = (
        IntakeRecord.objects.select_related("person")
        .filter(organisation=actor.organisation, channel=channel, idempotency_key=key)
        .first()
    )
    if intake is None:
        return None
    # As stored: after validation, which writes the name with single spaces.
    sent = dataclasses.replace(data, full_name=" ".join(data.full_name.split()))
    if intake.payload != payload_of(sent):
        raise IdempotencyKeyReused()
    return RegistrationOutcome(intake=intake, person=intake.person, replayed=True)


def intake_decide(
    *, actor: Actor, intake_id: int, on_match: str = OnMatch.ASK, link_to: int | None = None
) -> RegistrationOutcome:
    """An office deals with a report that waited for it (self-registration): registers a
    new person or links it, through the same checks as every other channel."""
    if not can(actor, Capability.REVIEW_INTAKES):
        raise PermissionDenied()
    intake = intake_get_for_actor(actor=actor, intake_id=intake_id)
    if intake.status != IntakeRecord.Status.SUBMITTED:
        raise IntakeAlreadyDecided()
    data = registration_input_from_payload(intake.payload)
    return registration_submit(
        actor=actor,
        data=data,
        channel=intake.channel,
        on_match=on_match,
        link_to=link_to,
        intake=intake,
    )


def intake_reject(*, actor: Actor, intake_id: int, reason: str) -> IntakeRecord:
    if not can(actor, Capability.REVIEW_INTAKES):
        raise PermissionDenied()
    intake = intake_get_for_actor(actor=actor, intake_id=intake_id)
    if intake.status != IntakeRecord.Status.SUBMITTED:
        raise IntakeAlreadyDecided()
    if not reason.strip():
        raise InvalidInput(
            errors=[{"field": "reason", "reason": _("say why the report is rejected")}]
        )
    with transaction.atomic():
        intake.status, intake.decided_at, intake.decided_by = (
            IntakeRecord.Status.REJECTED,
            timezone.now(),
            actor.user,
        )
        _decide_once(intake, ["status", "decided_at", "decided_by"])
        record(actor, Action.INTAKE_REJECTED, intake, reason=reason.strip())
    return intake


def _decide_once(intake: IntakeRecord, fields: list[str]) -> None:
    """Save a decision on a waiting report, unless another was saved since it was read
    (two officers, or a double click): then :class:`IntakeAlreadyDecided`, and the caller's
    transaction writes nothing."""
    values = {field: getattr(intake, field) for field in fields}
    waiting = IntakeRecord.objects.filter(pk=intake.pk, status=IntakeRecord.Status.SUBMITTED)
    if waiting.update(**values) == 0:
        raise IntakeAlreadyDecided()


def registration_input_from_payload(payload: dict[str, Any]) -> RegistrationInput:
    """Rebuild a registration from an intake's stored payload (dates back from ISO text)."""

    def date(value: Any) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    raw = dict(payload)
    episode = raw.pop("episode", None)
    return_ = raw.pop("return_", None)
    identifiers = [IdentifierInput(**i) for i in raw.pop("identifiers", [])]
    skills = [SkillInput(**s) for s in raw.pop("skills", [])]
    raw["birth_date"] = date(raw.get("birth_date"))
    if episode:
        episode["started_on"], episode["ended_on"] = (
            date(episode.get("started_on")),
            date(episode.get("ended_on")),
        )
        if episode.get("migration_cost") is not None:
            episode["migration_cost"] = Decimal(str(episode["migration_cost"]))
    if return_:
        return_["returned_on"], return_["expected_on"] = (
            date(return_.get("returned_on")),
            date(return_.get("expected_on")),
        )
    return RegistrationInput(
        **raw,
        identifiers=identifiers,
        skills=skills,
        episode=EpisodeInput(**episode) if episode else None,
        return_=ReturnInput(**return_) if return_ else None,
    )
