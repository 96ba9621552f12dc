from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from pulang.errors import InvalidInput
from pulang.orgs.actor import Actor
from pulang.registry.codes import Channel
from pulang.registry.schemas import (
    ArrivalIn,
    CandidateOut,
    ConsentIn,
    DecisionIn,
    IntakeOut,
    PersonOut,
    PersonPatch,
    RegistrationIn,
    RegistrationOut,
    SearchOut,
)
from pulang.registry.search import PersonQuery
from pulang.registry.selectors import intake_queue, person_file, person_merges, person_search
from pulang.registry.services import (
    OnMatch,
    RegistrationOutcome,
    consent_give,
    consent_withdraw,
    erasure_decide,
    erasure_request,
    intake_decide,
    intake_reject,
    person_export,
    person_merge,
    person_unmerge,
    person_update,
    registration_submit,
    return_record_arrival,
)

if TYPE_CHECKING:
    from pulang.registry.models import PersonMerge

router = Router(tags=["registry"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


def _channel(actor: Actor) -> Channel:
    if actor.scope_country_code is not None:
        return Channel.CONSULAR
    return Channel.API


def _outcome(outcome: RegistrationOutcome) -> Status[RegistrationOut]:
    candidates = [
        CandidateOut(
            person_id=m.person.pk, score=m.score, matched_name=m.matched_name, reasons=m.reasons
        )
        for m in outcome.candidates
    ]
    if outcome.person is None and not outcome.candidates:
        status, code = "checked", 200  # a check that found nobody the actor may see
    elif outcome.person is None:
        status, code = "possible_duplicates", 409
    elif outcome.replayed:
        status, code = "replayed", 200
    elif outcome.created:
        status, code = "created", 201
    else:
        status, code = "linked", 200
    return Status(
        code,
        RegistrationOut(
            status=status,
            person_id=outcome.person.pk if outcome.person else None,
            intake_id=outcome.intake.pk if outcome.intake else None,
            candidates=candidates,
            hidden_candidates=outcome.hidden_candidates,
        ),
    )


@router.post(
    "/registrations",
    response={200: RegistrationOut, 201: RegistrationOut, 409: RegistrationOut},
    summary="Register a returnee or a worker about to return",
)
def register(
    request: HttpRequest,
    body: RegistrationIn,
    on_match: str = "ask",
    link_to: int | None = None,
    idempotency_key: str = Header("", alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Status[RegistrationOut]:
    """Idempotent by the `Idempotency-Key` header (per organisation): sending the same
    report again returns the first outcome and writes nothing.

    When people already registered may be the same person, nothing is written and they
    come back with status 409 `possible_duplicates`; send again with `on_match=link` and
    `link_to`, or `on_match=create`. Feeds that cannot decide send `on_match=create`.
    `on_match=check` only looks: 409 with the people found, or 200 `checked`; nothing is
    written either way. The same key sent again with a different report: 422
    `registry.idempotency_key_reused`, and nothing is written.
    """
    actor = _actor(request)
    if len(idempotency_key) > 100:
        raise InvalidInput(
            errors=[{"field": "Idempotency-Key", "reason": _("at most 100 characters")}]
        )
    outcome = registration_submit(
        actor=actor,
        data=body.to_input(),
        channel=_channel(actor),
        idempotency_key=idempotency_key.strip(),
        on_match=_on_match(on_match),
        link_to=link_to,
    )
    return _outcome(outcome)


def _on_match(value: str) -> OnMatch:
    try:
        return OnMatch(value)
    except ValueError:
        raise InvalidInput(
            errors=[
                {
                    "field": "on_match",
                    "reason": _("“%(value)s” is not one of ask, check, create or link")
                    % {"value": value},
                }
            ]
        ) from None


class SearchQuery(Schema):
    name: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    id_number: str = ""
    phone: str = ""
    limit: int = 10


@router.post("/persons/search", response=list[SearchOut], summary="Search people in your scope")
def search(request: HttpRequest, query: SearchQuery) -> list[SearchOut]:
    """By name (fuzzy, any script), ID number, date or year of birth and phone; results
    say why they matched. Only people within the caller's scope are searched. A POST, so
    that names never appear in addresses (and so in server logs)."""
    actor = _actor(request)
    matches = person_search(
        actor=actor,
        query=PersonQuery(
            name=query.name,
            birth_date=query.birth_date,
            birth_year=query.birth_year,
            id_number=query.id_number,
            phone=query.phone,
            phone_region=actor.organisation.country_id,
            limit=max(1, min(query.limit, 50)),
        ),
    )
    return [
        SearchOut(
            person_id=m.person.pk,
            full_name=m.person.full_name,
            sex=m.person.sex,
            birth_date=m.person.birth_date,
            home_area=m.person.home_area.code if m.person.home_area else None,
            score=m.score,
            reasons=m.reasons,
        )
        for m in matches
    ]


@router.get("/persons/{person_id}", response=PersonOut, summary="Everything held on a person")
def person(request: HttpRequest, person_id: int) -> PersonOut:
    """Audited: every read is recorded with who read it."""
    file = person_file(actor=_actor(request), person_id=person_id)
    p = file.person
    return PersonOut(
        id=p.pk,
        version=p.version,
        full_name=p.full_name,
        given_name=p.given_name,
        family_name=p.family_name,
        sex=p.sex,
        birth_date=p.birth_date,
        birth_date_precision=p.birth_date_precision,
        nationality=p.nationality_id,
        phone=p.phone,
        email=p.email,
        home_area=p.home_area.code if p.home_area else None,
        address=p.address,
        household_size=p.household_size,
        dependants=p.dependants,
        languages=p.languages,
        education_level=p.education_level,
        abroad_in=p.abroad_in_id,
        is_restricted=p.is_restricted,
        names=[n.written for n in file.names],
        identifiers=[
            {"kind": i.kind, "number": i.number, "issuing_country": i.issuing_country_id}
            for i in file.identifiers
        ],
        episodes=[
            {
                "id": e.pk,
                "destination_country": e.destination_country_id,
                "occupation": e.occupation_id,
                "job_title": e.job_title,
                "started_on": e.started_on,
                "ended_on": e.ended_on,
                "legal_status": e.legal_status,
            }
            for e in file.episodes
        ],
        returns=[
            {
                "id": r.pk,
                "status": r.status,
                "returned_on": r.returned_on,
                "expected_on": r.expected_on,
                "reason": r.reason,
                "mode": r.mode,
            }
            for r in file.returns
        ],
        consents=[
            {"purpose": c.purpose, "given_at": c.given_at, "withdrawn_at": c.withdrawn_at}
            for c in file.consents
        ],
    )


@router.patch("/persons/{person_id}", response=PersonOut, summary="Correct a person's record")
def correct(request: HttpRequest, person_id: int, body: PersonPatch) -> PersonOut:
    """Send the `version` you read; 409 `registry.stale_record` if someone saved since."""
    changes = body.dict(exclude_unset=True, exclude={"version", "reason"})
    person_update(
        actor=_actor(request),
        person_id=person_id,
        version=body.version,
        changes=changes,
        reason=body.reason,
    )
    return person(request, person_id)


@router.post("/returns/{return_id}/arrival", response={200: dict}, summary="Record an arrival home")
def arrival(request: HttpRequest, return_id: int, body: ArrivalIn) -> dict[str, object]:
    item = return_record_arrival(
        actor=_actor(request),
        return_id=return_id,
        returned_on=body.returned_on,
        port_of_entry=body.port_of_entry,
    )
    return {"return_id": item.pk, "status": item.status}


@router.post("/persons/{person_id}/consents", response={200: dict}, summary="Record consent")
def give_consent(request: HttpRequest, person_id: int, body: ConsentIn) -> dict[str, object]:
    consent = consent_give(
        actor=_actor(request),
        person_id=person_id,
        purpose=body.purpose,
        method=body.method,
        note=body.note,
    )
    return {"purpose": consent.purpose, "given_at": consent.given_at}


@router.delete(
    "/persons/{person_id}/consents/{purpose}", response={200: dict}, summary="Withdraw consent"
)
def withdraw_consent(request: HttpRequest, person_id: int, purpose: str) -> dict[str, object]:
    consent = consent_withdraw(actor=_actor(request), person_id=person_id, purpose=purpose)
    return {"purpose": purpose, "withdrawn": consent is not None}


@router.get("/intakes", response=list[IntakeOut], summary="Reports waiting for your office")
def intakes(request: HttpRequest) -> list[IntakeOut]:
    return [
        IntakeOut(
            id=i.pk,
            channel=i.channel,
            status=i.status,
            received_at=i.received_at,
            area=i.area.code if i.area else None,
            person_id=i.person_id,
        )
        for i in intake_queue(actor=_actor(request))[:200]
    ]


@router.post(
    "/intakes/{intake_id}/decision",
    response={200: RegistrationOut, 201: RegistrationOut, 409: RegistrationOut},
    summary="Register, link or reject a waiting report",
)
def decide(request: HttpRequest, intake_id: int, body: DecisionIn) -> Status[RegistrationOut]:
    actor = _actor(request)
    if body.decision == "reject":
        intake = intake_reject(actor=actor, intake_id=intake_id, reason=body.reason)
        return Status(200, RegistrationOut(status="rejected", person_id=None, intake_id=intake.pk))
    on_match = {"create": OnMatch.CREATE, "link": OnMatch.LINK, "check": OnMatch.CHECK}.get(
        body.decision
    )
    if on_match is None:
        raise InvalidInput(
            errors=[{"field": "decision", "reason": _("choose create, link, check or reject")}]
        )
    return _outcome(
        intake_decide(actor=actor, intake_id=intake_id, on_match=on_match, link_to=body.link_to)
    )


class ErasureRequestIn(Schema):
    reason: str


class ErasureDecisionIn(Schema):
    approve: bool
    note: str = ""


class ErasureOut(Schema):
    id: int
    person_id: int
    status: str


@router.get("/persons/{person_id}/export", response=dict, summary="Copy of everything held")
def export(request: HttpRequest, person_id: int) -> dict[str, object]:
    """The right of access: every detail, report and access recorded. Audited."""
    return person_export(actor=_actor(request), person_id=person_id)


@router.post("/persons/{person_id}/erasure-requests", response=ErasureOut, summary="Ask to erase")
def ask_erasure(request: HttpRequest, person_id: int, body: ErasureRequestIn) -> ErasureOut:
    item = erasure_request(actor=_actor(request), person_id=person_id, reason=body.reason)
    return ErasureOut(id=item.pk, person_id=item.person_id, status=item.status)


@router.post("/erasure-requests/{request_id}/decision", response=ErasureOut, summary="Decide")
def decide_erasure(request: HttpRequest, request_id: int, body: ErasureDecisionIn) -> ErasureOut:
    """A supervisor other than the requester erases (anonymises) or refuses with a note."""
    item = erasure_decide(
        actor=_actor(request), request_id=request_id, approve=body.approve, note=body.note
    )
    return ErasureOut(id=item.pk, person_id=item.person_id, status=item.status)


class MergeVersionsIn(Schema):
    survivor: int = Field(description="the `version` of this record you read")
    absorbed: int = Field(description="the `version` of the record to merge into it")


class MergeIn(Schema):
    absorbed_id: int = Field(description="the record to merge into this one (it disappears)")
    reason: str = Field(description="why they are the same person")
    versions: MergeVersionsIn


class UnmergeIn(Schema):
    reason: str = Field(description="why they are two different people after all")


class MergeOut(Schema):
    id: int
    survivor_id: int
    absorbed_id: int
    reason: str
    automatic: bool
    organisation: str | None
    merged_at: dt.datetime
    moved: dict[str, list[int]] = Field(description="{model: [row ids]} moved to the survivor")
    kept: dict[str, list[int]] = Field(
        description="{model: [row ids]} left on the absorbed record: the survivor had them"
    )
    survivor_fields_changed: list[str] = Field(
        description="the survivor's details filled in from the absorbed record"
    )
    unmerged_at: dt.datetime | None
    unmerge_reason: str
    unmerge_kept: list[str] = Field(
        description="survivor details changed after the merge, left as they were on undoing"
    )


def _merge_out(merge: PersonMerge) -> MergeOut:
    return MergeOut(
        id=merge.pk,
        survivor_id=merge.survivor_id,
        absorbed_id=merge.absorbed_id,
        reason=merge.reason,
        automatic=merge.automatic,
        organisation=merge.organisation.name if merge.organisation else None,
        merged_at=merge.created_at,
        moved=merge.moved,
        kept=merge.kept,
        survivor_fields_changed=sorted(merge.survivor_before),
        unmerged_at=merge.unmerged_at,
        unmerge_reason=merge.unmerge_reason,
        unmerge_kept=merge.unmerge_kept,
    )


@router.post(
    "/persons/{person_id}/merge", response=MergeOut, summary="Merge another record into this one"
)
def merge(request: HttpRequest, person_id: int, body: MergeIn) -> MergeOut:
    """The two records are the same person: this one survives and takes everything the
    other holds; its blank details are filled in from the other. Reversible (`unmerge`).
    Supervisors and administrators of government offices whose scope covers both.
    Send both `versions` you read: 409 `registry.stale_record` if either changed since."""
    item = person_merge(
        actor=_actor(request),
        survivor_id=person_id,
        absorbed_id=body.absorbed_id,
        reason=body.reason,
        expected_versions=(body.versions.survivor, body.versions.absorbed),
    )
    return _merge_out(item)


@router.post("/merges/{merge_id}/unmerge", response=MergeOut, summary="Undo a merge")
def unmerge(request: HttpRequest, merge_id: int, body: UnmergeIn) -> MergeOut:
    """Puts every moved row and changed detail back; the absorbed record is visible again.
    Merges are undone newest first (409 `registry.later_merge_first`)."""
    return _merge_out(person_unmerge(actor=_actor(request), merge_id=merge_id, reason=body.reason))


@router.get("/persons/{person_id}/merges", response=list[MergeOut], summary="Merges of a record")
def merges(request: HttpRequest, person_id: int) -> list[MergeOut]:
    """Every merge the record took part in, oldest first, undone ones included. A merged
    record answers for those who may see the record it was merged into."""
    return [_merge_out(m) for m in person_merges(actor=_actor(request), person_id=person_id)]
