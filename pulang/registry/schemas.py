"""API shapes of the registry (ninja schemas), and their conversion to service inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from pulang.registry.codes import (
    ConsentMethod,
    DatePrecision,
    EducationLevel,
    Intention,
    LegalStatus,
    Readiness,
    ReturnStatus,
)
from pulang.registry.inputs import (
    EpisodeInput,
    IdentifierInput,
    RegistrationInput,
    ReturnInput,
    SkillInput,
)


class IdentifierIn(Schema):
    kind: str = Field(description="national_id, passport, worker_id or other")
    number: str
    issuing_country: str = Field(description="ISO 3166-1 alpha-2")


class EpisodeIn(Schema):
    destination_country: str = Field(description="ISO 3166-1 alpha-2")
    destination_city: str = ""
    employer_name: str = ""
    sector: str = Field("", description="ISIC Rev. 4 section letter")
    occupation: str = Field("", description="ISCO-08 code")
    job_title: str = ""
    visa_type: str = ""
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    agency_name: str = ""
    legal_status: str = LegalStatus.UNKNOWN.value
    migration_cost: Decimal | None = None
    migration_cost_currency: str = Field("", description="ISO 4217")
    cost_financing: list[str] = []
    abuse_indicators: list[str] = []


class ReturnIn(Schema):
    reason: str
    mode: str = Field(description="voluntary, forced, assisted or spontaneous")
    status: str = ReturnStatus.ARRIVED.value
    returned_on: dt.date | None = None
    expected_on: dt.date | None = None
    port_of_entry: str = ""
    readiness: str = Readiness.UNKNOWN.value
    intention: str = Intention.UNDECIDED.value
    destination_area: str = Field("", description="official area code in the home country")
    support_received: str = ""


class SkillIn(Schema):
    kind: str
    occupation: str = ""
    language: str = ""
    description: str = ""
    level: str = ""
    issuer: str = ""
    evidence: str = ""


class RegistrationIn(Schema):
    full_name: str = Field(description="as the person writes it, in any script")
    sex: str = Field(description="F, M or X")
    nationality: str = Field(description="ISO 3166-1 alpha-2")
    given_name: str = ""
    family_name: str = ""
    native_name: str = Field("", description="the name in the person's own script")
    aliases: list[str] = []
    birth_date: dt.date | None = None
    birth_date_precision: str = DatePrecision.DAY.value
    phone: str = ""
    email: str = ""
    home_area: str = Field("", description="official area code (village where known)")
    address: str = ""
    has_disability: bool | None = None
    household_size: int | None = None
    dependants: int | None = None
    languages: list[str] = []
    education_level: str = EducationLevel.UNKNOWN.value
    identifiers: list[IdentifierIn] = []
    episode: EpisodeIn | None = None
    return_: ReturnIn | None = Field(None, alias="return")
    skills: list[SkillIn] = []
    consents: list[str] = []
    consent_method: str = ConsentMethod.VERBAL.value

    def to_input(self) -> RegistrationInput:
        data = self.dict(exclude={"identifiers", "episode", "return_", "skills"})
        return RegistrationInput(
            **data,
            identifiers=[IdentifierInput(**i.dict()) for i in self.identifiers],
            episode=EpisodeInput(**self.episode.dict()) if self.episode else None,
            return_=ReturnInput(**self.return_.dict()) if self.return_ else None,
            skills=[SkillInput(**s.dict()) for s in self.skills],
        )


class CandidateOut(Schema):
    person_id: int
    score: float
    matched_name: str
    reasons: list[str]


class RegistrationOut(Schema):
    status: str = Field(
        description="created, linked, replayed, possible_duplicates, or checked (a report's "
        "check that found nobody; nothing written)"
    )
    person_id: int | None
    intake_id: int | None
    candidates: list[CandidateOut] = []
    hidden_candidates: int = 0


class SearchOut(Schema):
    person_id: int
    full_name: str
    sex: str
    birth_date: dt.date | None
    home_area: str | None
    score: float
    reasons: list[str]


class PersonOut(Schema):
    id: int
    version: int
    full_name: str
    given_name: str
    family_name: str
    sex: str
    birth_date: dt.date | None
    birth_date_precision: str
    nationality: str
    phone: str
    email: str
    home_area: str | None
    address: str
    household_size: int | None
    dependants: int | None
    languages: list[str]
    education_level: str
    abroad_in: str | None
    is_restricted: bool
    names: list[str]
    identifiers: list[dict[str, str]]
    episodes: list[dict[str, object]]
    returns: list[dict[str, object]]
    consents: list[dict[str, object]]


class PersonPatch(Schema):
    version: int = Field(description="the version you read; a newer one means someone else saved")
    reason: str = ""
    full_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    birth_date_precision: str | None = None
    phone: str | None = None
    email: str | None = None
    home_area: str | None = None
    address: str | None = None
    household_size: int | None = None
    dependants: int | None = None
    languages: list[str] | None = None
    education_level: str | None = None


class ArrivalIn(Schema):
    returned_on: dt.date
    port_of_entry: str = ""


class ConsentIn(Schema):
    purpose: str
    method: str = ConsentMethod.VERBAL.value
    note: str = ""


class DecisionIn(Schema):
    decision: str = Field(
        description="create, link, reject, or check (look for people already registered; "
        "nothing is written)"
    )
    link_to: int | None = None
    reason: str = ""


class IntakeOut(Schema):
    id: int
    channel: str
    status: str
    received_at: dt.datetime
    area: str | None
    person_id: int | None
