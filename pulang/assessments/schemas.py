"""What the assessments API reads and returns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Field, Schema

from pulang.assessments.selectors import assessment_priority_sentence

if TYPE_CHECKING:
    from pulang.assessments.models import Assessment

ALL_LANGUAGES = "all"


class InstrumentOut(Schema):
    code: str
    version: int
    kind: str = Field(description="screen or assessment")
    title: str = Field(description="in the language asked for (else the request's language)")
    language: str = Field(
        description=(
            '"all": every text of the definition is an object of translations by BCP 47 '
            "language tag (en and id always); otherwise each text is a string in that language"
        )
    )
    loaded_at: dt.datetime
    definition: dict[str, Any] = Field(
        description="sections, questions with answer types and skip logic, scoring rules "
        "(docs/assessments.md describes the format)"
    )


class AssessmentIn(Schema):
    person_id: int
    return_id: int = Field(description="the return of the person the assessment is for")
    instrument: str = Field(description="the questionnaire's code, e.g. vulnerability_screen")
    version: int | None = Field(
        None, description="the questionnaire's version; the latest if left out"
    )
    answers: dict[str, Any] = Field(
        description='by question id: true or false (or "declined" where allowed), a choice '
        'value, a list of choice values, a number, a date as "YYYY-MM-DD", or text. Answers '
        "to questions that an earlier answer makes not apply are left out (result."
        "dropped_answers)"
    )


class AssessmentSummaryOut(Schema):
    id: int
    person_id: int
    return_id: int
    instrument: str
    version: int
    priority: str = Field(description="urgent, high, medium or low")
    priority_sentence: str = Field(description='"Urgent because: …", in the language asked for')
    restricted: bool
    setting: str = Field(description="abroad (at a consular post) or home")
    organisation_id: int
    organisation: str
    assessed_at: dt.datetime
    previous_id: int | None = Field(
        description="the earlier assessment of the same return with the same questionnaire"
    )

    @staticmethod
    def fields_of(assessment: Assessment, language: str) -> dict[str, Any]:
        return {
            "id": assessment.pk,
            "person_id": assessment.return_event.person_id,
            "return_id": assessment.return_event_id,
            "instrument": assessment.instrument_version.instrument.code,
            "version": assessment.instrument_version.version,
            "priority": assessment.priority,
            "priority_sentence": assessment_priority_sentence(
                result=assessment.result, language=language
            ),
            "restricted": assessment.is_restricted,
            "setting": assessment.setting,
            "organisation_id": assessment.organisation_id,
            "organisation": assessment.organisation.name,
            "assessed_at": assessment.assessed_at,
            "previous_id": assessment.previous_id,
        }

    @staticmethod
    def of(assessment: Assessment, language: str) -> AssessmentSummaryOut:
        return AssessmentSummaryOut(**AssessmentSummaryOut.fields_of(assessment, language))


class AssessmentOut(AssessmentSummaryOut):
    assessed_by: str
    answers: dict[str, Any] = Field(description="as accepted, by question id")
    result: dict[str, Any] = Field(
        description="levels by dimension with the rules that set them, priority with its "
        "reasons, recommended services in order with the agency type, restriction, "
        "dropped answers; every reason in each language of the questionnaire"
    )

    @staticmethod
    def of(assessment: Assessment, language: str) -> AssessmentOut:
        user = assessment.assessed_by
        return AssessmentOut(
            **AssessmentSummaryOut.fields_of(assessment, language),
            assessed_by=user.get_full_name() or user.get_username(),
            answers=assessment.answers,
            result=assessment.result,
        )
