"""Writes of assessments: loading instruments from their files, recording an assessment."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pulang.assessments.codes import Setting
from pulang.assessments.engine import InstrumentError, check_answers, load_definition, score
from pulang.assessments.errors import InstrumentVersionInUse, ReturnNotOfPerson
from pulang.assessments.models import Assessment, Instrument, InstrumentVersion
from pulang.assessments.policies import Capability, assesses_abroad, can
from pulang.assessments.recorded import recorded
from pulang.assessments.selectors import (
    assessment_facts,
    instrument_definition,
    instrument_version_get,
)
from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import InvalidInput
from pulang.registry.selectors import person_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"


def checksum_of(definition: Any) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def instruments_load(*, directory: Path = INSTRUMENTS_DIR) -> LoadReport:
    """Load every ``*.json`` instrument in ``directory``. Idempotent: a version already
    loaded from the same definition is left alone. All files are checked first, and one
    problem anywhere loads nothing (:class:`InstrumentError`). A version already used by
    an assessment never changes (:class:`InstrumentVersionInUse`): a changed file must
    carry a new version number; versions no longer in a file stay for the assessments
    that used them."""
    files = sorted(directory.glob("*.json"))
    problems: list[str] = []
    loaded: list[tuple[Path, Any, str, int, str]] = []
    seen: dict[tuple[str, int], str] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            instrument = load_definition(data, source=path.name)
        except json.JSONDecodeError as error:
            problems.append(f"{path.name}: not valid JSON ({error})")
            continue
        except InstrumentError as error:
            problems += [f"{path.name}: {problem}" for problem in error.problems]
            continue
        key = (instrument.code, instrument.version)
        if key in seen:
            problems.append(
                f"{path.name}: {instrument.code} version {instrument.version} is also "
                f"defined in {seen[key]}"
            )
        seen[key] = path.name
        loaded.append((path, data, instrument.code, instrument.version, instrument.kind))
    if problems:
        raise InstrumentError(problems)

    report = LoadReport()
    now = timezone.now()
    with transaction.atomic():
        for path, data, code, version, kind in loaded:
            label = f"{code} v{version}"
            checksum = checksum_of(data)
            parent, _ = Instrument.objects.get_or_create(code=code, defaults={"kind": kind})
            existing = (
                InstrumentVersion.objects.select_for_update()
                .filter(instrument=parent, version=version)
                .first()
            )
            if existing is not None and existing.checksum == checksum:
                report.unchanged.append(label)
                continue
            if existing is not None:
                used = Assessment.objects.filter(instrument_version=existing).count()
                if used:
                    raise InstrumentVersionInUse(instrument=code, version=version, count=used)
                existing.definition, existing.checksum = data, checksum
                existing.source, existing.loaded_at = path.name, now
                existing.save(update_fields=["definition", "checksum", "source", "loaded_at"])
                report.updated.append(label)
                item = existing
            else:
                item = InstrumentVersion.objects.create(
                    instrument=parent,
                    version=version,
                    definition=data,
                    checksum=checksum,
                    source=path.name,
                    loaded_at=now,
                )
                report.created.append(label)
            if parent.kind != kind:
                parent.kind = kind
                parent.save(update_fields=["kind"])
            record(
                None,
                Action.INSTRUMENT_LOADED,
                item,
                details={"instrument": code, "version": version, "checksum": checksum},
            )
    return report


def assessment_record(
    *,
    actor: Actor,
    person_id: int,
    return_id: int,
    instrument: str,
    answers: Mapping[str, Any],
    version: int | None = None,
) -> Assessment:
    """Record an assessment of a person's return with ``instrument`` (its latest version
    unless ``version`` is given): the answers are checked (:class:`InvalidInput` names
    every problem; nothing is written), scored, and stored with the result, where and by
    whom it was done. An earlier assessment of the same return with the same instrument
    stays as it was; the new one points at it (``previous``).

    Case workers and supervisors assess persons in their area, consular officers workers
    in their destination country (abroad); anyone else, or a person or return out of
    scope, gets "not found" (audited)."""
    if not can(actor, Capability.RECORD):
        raise refuse(actor, subject_type="registry.person", subject_id=str(person_id))
    person = person_get_for_actor(actor=actor, person_id=person_id)
    return_event = person.returns.filter(pk=return_id).first()
    if return_event is None:
        record(
            actor,
            Action.ACCESS_DENIED,
            subject_type="registry.return",
            subject_id=str(return_id),
        )
        raise ReturnNotOfPerson()
    stored = instrument_version_get(code=instrument, version=version)
    definition = instrument_definition(stored)
    today = timezone.localdate()
    facts = assessment_facts(person, today=today)
    checked = check_answers(definition, answers, facts=facts, today=today)
    if checked.problems:
        raise InvalidInput(errors=[problem.as_error() for problem in checked.problems])
    result = score(definition, checked.answers, facts=facts, dropped=checked.dropped)
    with transaction.atomic():
        previous = (
            Assessment.objects.select_for_update()
            .filter(return_event=return_event, instrument_version__instrument=stored.instrument)
            .order_by("-assessed_at", "-pk")
            .first()
        )
        assessment = Assessment.objects.create(
            return_event=return_event,
            instrument_version=stored,
            answers=checked.answers,
            result=result.as_dict(),
            priority=result.priority,
            is_restricted=result.restricted,
            setting=Setting.ABROAD if assesses_abroad(actor) else Setting.HOME,
            organisation=actor.organisation,
            assessed_by=actor.user,
            assessed_at=timezone.now(),
            previous=previous,
        )
        # What was decided, never the answers: the audit log holds no health details.
        record(
            actor,
            Action.ASSESSMENT_RECORDED,
            assessment,
            details={
                "person": person.pk,
                "return": return_event.pk,
                "instrument": instrument,
                "version": stored.version,
                "priority": result.priority,
                "previous": previous.pk if previous else None,
            },
        )
        recorded(actor, assessment)
    return assessment
