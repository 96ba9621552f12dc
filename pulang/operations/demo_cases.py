"""Demo returnees with assessments and cases, so that a demo's work lists are not empty:
three women back in Talangagung (screened at the village office: one urgent and
restricted, one high with an agreed plan, one with nothing found) and one still in
Malaysia, screened by the consulate before her return. Built through the services only,
as the demo users, and done once (a second run changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pulang.accounts.selectors import user_get_by_username
from pulang.assessments.services import assessment_record
from pulang.cases.selectors import case_count_all
from pulang.cases.services import (
    case_agree_plan,
    plan_action_add,
    plan_goal_add,
    plan_update,
)
from pulang.operations.demo import DemoRefused
from pulang.orgs.actor import Actor
from pulang.orgs.selectors import membership_list_for_user
from pulang.registry.inputs import EpisodeInput, RegistrationInput, ReturnInput
from pulang.registry.services import OnMatch, registration_submit

TALANGAGUNG = "35.07.13.2001"

# A screen where nothing is found; the demo's people differ from it where it says so.
_CLEAR: dict[str, Any] = {
    "forced_return": False,
    "legal_status": "documented",
    "work_indicators": ["none"],
    "violence": ["none"],
    "migration_debt": False,
    "injured": False,
    "ill": False,
    "disability": False,
    "pregnant": False,
    "safe_place": True,
    "afraid_of_someone": False,
    "dependants_at_risk": False,
    "distress": "never",
    "self_harm_thoughts": False,
}


def demo_actor(username: str) -> Actor:
    user = user_get_by_username(username=username)
    membership = membership_list_for_user(user=user).first() if user is not None else None
    if user is None or membership is None:
        raise DemoRefused("Run `pulang demo_setup` first: the demo users are missing.")
    return Actor(user=user, membership=membership)  # type: ignore[arg-type]


def _returnee(actor: Actor, name: str, born: dt.date, returned: dt.date | None, **more: Any) -> Any:
    expected = returned is None
    data = RegistrationInput(
        full_name=name,
        sex="F",
        nationality="ID",
        birth_date=born,
        home_area=TALANGAGUNG,
        episode=EpisodeInput(
            destination_country="MY", occupation="9111", started_on=dt.date(2021, 2, 1)
        ),
        return_=ReturnInput(
            reason=more.pop("reason", "end_of_contract"),
            mode=more.pop("mode", "voluntary"),
            status="expected" if expected else "arrived",
            returned_on=returned,
            expected_on=timezone.localdate() + dt.timedelta(days=10) if expected else None,
            destination_area=TALANGAGUNG,
        ),
        consents=["case_management"],
        **more,
    )
    outcome = registration_submit(
        actor=actor,
        data=data,
        channel="consular" if expected else "staff",
        on_match=OnMatch.CREATE,
    )
    return outcome.person


def _screen(actor: Actor, person: Any, **answers: Any) -> Any:
    return assessment_record(
        actor=actor,
        person_id=person.pk,
        return_id=person.returns.get().pk,
        instrument="vulnerability_screen",
        answers={**_CLEAR, **answers},
    )


def demo_cases() -> int:
    """Create the demo's returnees, screens and cases; returns how many cases exist."""
    if not (settings.DEBUG or settings.PULANG_DEMO):
        raise DemoRefused("Demo cases are created only with PULANG_DEMO=true or PULANG_DEBUG=true.")
    if case_count_all() > 0:
        return case_count_all()
    office, consulate = demo_actor("caseworker"), demo_actor("consular")
    today = timezone.localdate()
    with transaction.atomic():
        sri = _returnee(
            office,
            "Sri Wahyuni",
            dt.date(1992, 4, 11),
            today - dt.timedelta(days=5),
            reason="abuse_or_violence",
            mode="assisted",
        )
        _screen(
            office,
            sri,
            work_indicators=["deceived", "documents_withheld", "isolated"],
            safe_place=False,
        )
        nur = _returnee(office, "Nur Aini", dt.date(1988, 9, 2), today - dt.timedelta(days=20))
        _screen(office, nur, safe_place=False, migration_debt=True, debt_pressure=False)
        case = nur.cases.get()
        version = case.version
        plan_update(
            actor=office,
            case_id=case.pk,
            expected_version=version,
            returnee_words="Saya ingin tinggal dekat anak dan membuka warung kecil.",
        )
        goal = plan_goal_add(
            actor=office,
            case_id=case.pk,
            expected_version=version + 1,
            dimension="social",
            text="Tempat tinggal yang aman bersama anak-anak",
        )
        plan_action_add(
            actor=office,
            case_id=case.pk,
            expected_version=version + 2,
            goal_id=goal.pk,
            description="Rumah aman sementara lewat Dinas Sosial",
            owner="office",
            due_on=today + dt.timedelta(days=7),
        )
        case_agree_plan(actor=office, case_id=case.pk, expected_version=version + 3)
        suwarni = _returnee(office, "Suwarni", dt.date(1979, 1, 23), today - dt.timedelta(days=40))
        _screen(office, suwarni)
        rina = _returnee(consulate, "Rina Marlina", dt.date(1996, 6, 30), None)
        _screen(consulate, rina, safe_place=False, ill=True, illness_needs_care_now=False)
    return case_count_all()
