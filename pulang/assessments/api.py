"""Assessments over HTTP: the current questionnaires (to build a form anywhere), one
version of one, recording an assessment (422 with the problem of each answer, nothing
saved), one assessment, and a person's assessments. A person or assessment outside the
caller's reach is a 404 problem (audited), exactly like a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status

from pulang.assessments.presenters import definition_in_language, instrument_title
from pulang.assessments.schemas import (
    ALL_LANGUAGES,
    AssessmentIn,
    AssessmentOut,
    AssessmentSummaryOut,
    InstrumentOut,
)
from pulang.assessments.selectors import (
    assessment_get_for_actor,
    assessments_for_person,
    instrument_version_get,
    instruments_current,
)
from pulang.assessments.services import assessment_record
from pulang.errors import InvalidInput
from pulang.orgs.actor import Actor

if TYPE_CHECKING:
    from pulang.assessments.models import InstrumentVersion

router = Router(tags=["assessments"])

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


def _language(value: str | None, *, allow_all: bool) -> str:
    """The language asked for ("all" where allowed), or the request's own."""
    if value is None or value == "":
        return ALL_LANGUAGES if allow_all else (translation.get_language() or "en")
    if (allow_all and value == ALL_LANGUAGES) or LANGUAGE_TAG.match(value):
        return value
    raise InvalidInput(
        errors=[
            {
                "field": "language",
                "reason": _("“%(value)s” is not a language tag such as en or id")
                % {"value": value},
            }
        ]
    )


def _instrument_out(version: InstrumentVersion, language: str) -> InstrumentOut:
    everything = language == ALL_LANGUAGES
    reading = (translation.get_language() or "en") if everything else language
    return InstrumentOut(
        code=version.instrument.code,
        version=version.version,
        kind=version.instrument.kind,
        title=instrument_title(version, reading),
        language=language,
        loaded_at=version.loaded_at,
        definition=version.definition
        if everything
        else definition_in_language(version.definition, language),
    )


@contextmanager
def _speaking(language: str) -> Iterator[None]:
    """Labels and sentences ("Urgent because: …") in the language asked for."""
    with translation.override(language):
        yield


@router.get("/instruments", response=list[InstrumentOut], summary="The current questionnaires")
def list_instruments(request: HttpRequest, language: str | None = None) -> list[InstrumentOut]:
    """The latest version of every questionnaire with its full definition (sections,
    questions, skip logic, scoring rules): everything a client needs to show the form and
    to explain a result. `language`: a BCP 47 tag (en, id, …) gives every text as a
    string in that language; `all` (the default) keeps every translation."""
    chosen = _language(language, allow_all=True)
    return [_instrument_out(version, chosen) for version in instruments_current()]


@router.get("/instruments/{code}", response=InstrumentOut, summary="One version of a questionnaire")
def get_instrument(
    request: HttpRequest, code: str, version: int | None = None, language: str | None = None
) -> InstrumentOut:
    """The version given, or the latest; the version an assessment was made with stays
    available for as long as the assessment does."""
    chosen = _language(language, allow_all=True)
    stored = instrument_version_get(code=code, version=version)
    return _instrument_out(stored, chosen)


@router.post("", response={201: AssessmentOut}, summary="Record an assessment")
def record_assessment(
    request: HttpRequest, body: AssessmentIn, language: str | None = None
) -> Status[AssessmentOut]:
    """Checks every answer against the questionnaire and scores them. Any problem (a
    required question unanswered, a number out of range, a choice not offered) is a 422
    problem listing each by question (`errors[].field`), and nothing is saved. An
    urgent or high priority opens a case for the return. Done by a consular officer, the
    assessment is recorded as made abroad; by an office at home, at home."""
    chosen = _language(language, allow_all=False)
    assessment = assessment_record(
        actor=_actor(request),
        person_id=body.person_id,
        return_id=body.return_id,
        instrument=body.instrument,
        answers=body.answers,
        version=body.version,
    )
    with _speaking(chosen):
        return Status(201, AssessmentOut.of(assessment, chosen))


@router.get(
    "/persons/{person_id}",
    response=list[AssessmentSummaryOut],
    summary="A person's assessments",
)
def person_assessments(
    request: HttpRequest, person_id: int, language: str | None = None
) -> list[AssessmentSummaryOut]:
    """Newest first; restricted ones only for callers with clearance (or who made them)."""
    chosen = _language(language, allow_all=False)
    found = assessments_for_person(actor=_actor(request), person_id=person_id)
    with _speaking(chosen):
        return [AssessmentSummaryOut.of(item, chosen) for item in found]


@router.get("/{assessment_id}", response=AssessmentOut, summary="One assessment")
def get_assessment(
    request: HttpRequest, assessment_id: int, language: str | None = None
) -> AssessmentOut:
    """The answers as accepted and the result with every reason; the look is audited."""
    chosen = _language(language, allow_all=False)
    assessment = assessment_get_for_actor(actor=_actor(request), assessment_id=assessment_id)
    with _speaking(chosen):
        return AssessmentOut.of(assessment, chosen)
