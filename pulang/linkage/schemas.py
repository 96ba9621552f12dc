"""What the review queue's API reads and returns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

if TYPE_CHECKING:
    from pulang.linkage.models import CandidatePair
    from pulang.linkage.presenters import ComparisonRow
    from pulang.registry.models import Person


class PairFilter(Schema):
    run: int | None = Field(None, description="only pairs found by this linkage run")
    offset: int = 0
    limit: int = 50


class PersonBriefOut(Schema):
    id: int
    restricted: bool
    name: str | None = Field(description="hidden (null) for restricted records in the list")
    sex: str | None
    birth_year: int | None
    home_area: str | None

    @staticmethod
    def of(person: Person) -> PersonBriefOut:
        hidden = person.is_restricted
        return PersonBriefOut(
            id=person.pk,
            restricted=hidden,
            name=None if hidden else person.full_name,
            sex=None if hidden else person.sex,
            birth_year=None if hidden or person.birth_date is None else person.birth_date.year,
            home_area=None if hidden or person.home_area is None else person.home_area.name,
        )


class PairSummaryOut(Schema):
    id: int
    run_id: int
    found_at: dt.datetime
    match_probability: float
    priority: float
    person_a: PersonBriefOut
    person_b: PersonBriefOut

    @staticmethod
    def of(pair: CandidatePair) -> PairSummaryOut:
        return PairSummaryOut(
            id=pair.pk,
            run_id=pair.run_id,
            found_at=pair.created_at,
            match_probability=pair.match_probability,
            priority=pair.priority,
            person_a=PersonBriefOut.of(pair.person_a),
            person_b=PersonBriefOut.of(pair.person_b),
        )


class PairPage(Schema):
    items: list[PairSummaryOut]
    next_offset: int | None


class PersonSideOut(Schema):
    id: int
    version: int = Field(description="send it back with the decision")
    restricted: bool
    merged_into: int | None
    full_name: str
    sex: str
    birth_date: dt.date | None
    birth_date_precision: str
    phone: str
    home_area_code: str | None
    home_area: str | None
    address: str

    @staticmethod
    def of(person: Person) -> PersonSideOut:
        area = person.home_area
        return PersonSideOut(
            id=person.pk,
            version=person.version,
            restricted=person.is_restricted,
            merged_into=person.merged_into_id,
            full_name=person.full_name,
            sex=person.sex,
            birth_date=person.birth_date,
            birth_date_precision=person.birth_date_precision,
            phone=person.phone,
            home_area_code=area.code if area else None,
            home_area=area.name if area else None,
            address=person.address,
        )


class ComparisonOut(Schema):
    name: str = Field(description="name, birth_date, sex, ids, phone, area, address")
    level: str = Field(description="what the model found, in words")
    weight: float = Field(description="match weight: > 0 is evidence for the same person")
    agrees: bool | None = Field(description="null when there was nothing to compare")
    value_a: str
    value_b: str


class PairOut(Schema):
    id: int
    run_id: int
    status: str
    found_at: dt.datetime
    match_probability: float
    match_weight: float
    priority: float
    person_a: PersonSideOut
    person_b: PersonSideOut
    comparisons: list[ComparisonOut]
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def of(pair: CandidatePair, rows: list[ComparisonRow]) -> PairOut:
        return PairOut(
            id=pair.pk,
            run_id=pair.run_id,
            status=pair.status,
            found_at=pair.created_at,
            match_probability=pair.match_probability,
            match_weight=pair.match_weight,
            priority=pair.priority,
            person_a=PersonSideOut.of(pair.person_a),
            person_b=PersonSideOut.of(pair.person_b),
            comparisons=[
                ComparisonOut(
                    name=row.name,
                    level=row.level,
                    weight=row.weight,
                    agrees=row.agrees,
                    value_a=row.value_a,
                    value_b=row.value_b,
                )
                for row in rows
            ],
            decided_at=pair.decided_at,
            decision_note=pair.decision_note,
        )


class VersionsIn(Schema):
    a: int = Field(description="the `version` of person A as read")
    b: int = Field(description="the `version` of person B as read")


class DecisionIn(Schema):
    decision: Literal["same", "different", "unsure"]
    note: str = Field("", max_length=500, description="required for `unsure`")
    versions: VersionsIn


class DecisionOut(Schema):
    id: int
    pair_id: int
    decision: str
    note: str
    decided_at: dt.datetime
    status: str = Field(description="the pair's status now")
    merge_id: int | None = Field(description="for `same`: the merge, which can be undone")
