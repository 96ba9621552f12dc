"""Referral services (issue #6): sending, the life cycle, consent, the plan action that
follows, the returnee's feedback and the reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import Settings

from pulang.audit.models import AuditEvent
from pulang.cases.models import Case, PlanAction
from pulang.cases.services import case_close
from pulang.errors import InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.orgs.models import OrganisationKind, Role
from pulang.orgs.services import organisation_create
from pulang.referrals.codes import EntryStatus, ServiceType
from pulang.referrals.errors import (
    AlreadyReferred,
    ConsentMissing,
    ServiceNotOffered,
    StaleReferral,
    StepNotAllowed,
)
from pulang.referrals.models import Referral, ReferralEvent, Reminder, Service
from pulang.referrals.selectors.referrals import reminders_unseen
from pulang.referrals.services.referrals import (
    referral_feedback,
    referral_feedback_by_code,
    referral_send,
    referral_step,
    reminder_seen,
    reminders_send,
)
from pulang.registry.models import Person
from pulang.registry.services import (
    OnMatch,
    consent_give,
    consent_withdraw,
    intake_decide,
    payload_of,
    self_registration_save,
    self_registration_submit,
)
from tests.cases.helpers import goal_with_action, open_case, register
from tests.factories import World, person
from tests.referrals.helpers import published_service
from tests.registry.helpers import occupation, siti

NOTE = "Ibu Siti would like counselling after a hard contract; she prefers mornings."
WHY = "She is in danger at home and cannot wait for the consent form to be signed."


# --- building -----------------------------------------------------------------------------


@pytest.fixture
def case(world: World, village_officer: Actor) -> Case:
    """Siti's case, followed by the Talangagung office (version 1)."""
    return open_case(village_officer, register(village_officer))


@pytest.fixture
def service(world: World) -> Service:
    return published_service(world.provider, ServiceType.COUNSELLING, [world.malang], capacity=10)


@pytest.fixture
def second_service(world: World) -> Service:
    return published_service(
        world.provider, ServiceType.TRAUMA_CARE, [world.malang], name="Pendampingan trauma"
    )


@pytest.fixture
def other_provider_staff(world: World) -> Actor:
    """Staff of another provider (in Lombok Timur), who never sees Malang's referrals."""
    other = organisation_create(
        actor=None,
        name="Lombok legal aid",
        kind=OrganisationKind.SERVICE_PROVIDER,
        country=world.indonesia,
        area=world.lombok_timur,
    )
    return person(other, Role.PROVIDER_STAFF, username="other_provider_staff")


def share(actor: Actor, case: Case) -> None:
    consent_give(actor=actor, person_id=case.person_id, purpose="referral_sharing", method="verbal")


@pytest.fixture
def consented(case: Case, village_officer: Actor) -> Case:
    share(village_officer, case)
    return case


def send(actor: Actor, case: Case, service: Service, **kw: Any) -> Referral:
    return referral_send(
        actor=actor, case_id=case.pk, service_id=service.pk, shared_note=NOTE, **kw
    )


def step(actor: Actor, referral: Referral, name: str, **kw: Any) -> Referral:
    current = Referral.objects.get(pk=referral.pk)
    return referral_step(
        actor=actor, referral_id=referral.pk, expected_version=current.version, step=name, **kw
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


def state(referral: Referral) -> tuple[object, ...]:
    """Everything a refused step might have touched."""
    row = Referral.objects.get(pk=referral.pk)
    return (
        row.status,
        row.version,
        row.updated_at,
        row.responded_at,
        row.started_at,
        row.completed_at,
        row.closed_at,
        row.closure_reason,
        row.decline_reason,
        row.outcome,
        row.satisfaction,
        Service.objects.get(pk=row.service_id).open_referrals,
        ReferralEvent.objects.filter(referral=row).count(),
        AuditEvent.objects.filter(action__startswith="referrals.").count(),
    )


def open_count(service: Service) -> int:
    return Service.objects.get(pk=service.pk).open_referrals


def action_status(action: PlanAction) -> str:
    return PlanAction.objects.get(pk=action.pk).status


def case_version(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


# --- the whole life cycle -----------------------------------------------------------------


def test_sent_accepted_in_service_completed(
    world: World,
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    _goal, action = goal_with_action(village_officer, consented, 1)
    assert (action_status(action), case_version(consented)) == ("planned", 3)

    referral = send(village_officer, consented, service, action_id=action.pk)
    stored = Referral.objects.get(pk=referral.pk)
    assert (
        stored.status,
        stored.version,
        stored.person_id,
        stored.provider_id,
        stored.service_type,
        stored.group,
        stored.area_id,
        stored.organisation_id,
        stored.sent_by_id,
        stored.shared_note,
        stored.consent.purpose if stored.consent else None,
        stored.override_reason,
        stored.override_by_id,
    ) == (
        "sent",
        1,
        consented.person_id,
        world.provider.pk,
        "counselling",
        "psychosocial",
        world.talangagung.pk,
        world.village.pk,
        village_officer.user.pk,
        NOTE,
        "referral_sharing",
        "",
        None,
    )
    assert open_count(service) == 1
    assert (action_status(action), case_version(consented)) == ("in_progress", 4)
    sent = AuditEvent.objects.get(action="referrals.sent")
    assert (sent.subject_id, sent.details, sent.username) == (
        str(referral.pk),
        {"case": consented.pk, "service": service.pk, "provider": world.provider.pk},
        "village_officer",
    )
    assert not AuditEvent.objects.filter(action="referrals.consent_overridden").exists()

    accepted = step(provider_staff, referral, "accept")
    assert (accepted.status, accepted.version, accepted.responded_at is not None) == (
        "accepted",
        2,
        True,
    )
    # Still under way: the case does not change for it.
    assert (action_status(action), case_version(consented), open_count(service)) == (
        "in_progress",
        4,
        1,
    )
    started = step(provider_staff, referral, "start")
    assert (started.status, started.version, started.started_at is not None) == (
        "in_service",
        3,
        True,
    )
    done = step(provider_staff, referral, "complete", outcome="achieved", note="Six sessions")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.version, stored.outcome, stored.outcome_note) == (
        "completed",
        4,
        "achieved",
        "Six sessions",
    )
    assert stored.completed_at == done.completed_at
    assert stored.started_at == started.started_at
    assert open_count(service) == 0
    assert (action_status(action), case_version(consented)) == ("done", 5)

    events = list(
        ReferralEvent.objects.filter(referral=referral).values_list(
            "kind", "step", "from_status", "to_status", "by_id"
        )
    )
    uid, pid = village_officer.user.pk, provider_staff.user.pk
    assert events == [
        ("sent", "", "", "sent", uid),
        ("step", "accept", "sent", "accepted", pid),
        ("step", "start", "accepted", "in_service", pid),
        ("step", "complete", "in_service", "completed", pid),
    ]
    steps = AuditEvent.objects.filter(action="referrals.step").order_by("pk")
    assert [(e.username, e.details["step"], e.details["to"]) for e in steps] == [
        ("provider_staff", "accept", "accepted"),
        ("provider_staff", "start", "in_service"),
        ("provider_staff", "complete", "completed"),
    ]


def test_completing_from_accepted_marks_it_started(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    done = step(provider_staff, referral, "complete", outcome="partly")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.outcome, stored.started_at) == (
        "completed",
        "partly",
        done.completed_at,
    )


def test_complete_needs_an_outcome(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        step(provider_staff, referral, "complete", outcome="great")
    assert caught.value.errors == [{"field": "outcome", "reason": "choose how it went"}]
    assert state(referral) == before


def test_provider_declines_with_a_reason(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    _goal, action = goal_with_action(village_officer, consented, 1)
    referral = send(village_officer, consented, service, action_id=action.pk)
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        step(provider_staff, referral, "decline", reason="   ")
    assert caught.value.errors == [{"field": "reason", "reason": "this is required"}]
    assert state(referral) == before

    version = case_version(consented)
    declined = step(provider_staff, referral, "decline", reason="No counsellor until May")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.decline_reason, stored.version) == (
        "declined",
        "No counsellor until May",
        2,
    )
    assert stored.responded_at == declined.responded_at
    assert open_count(service) == 0
    assert (action_status(action), case_version(consented)) == ("planned", version + 1)
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert event is not None
    assert (event.step, event.to_status, event.note) == (
        "decline",
        "declined",
        "No counsellor until May",
    )
    # Declined is final and no longer the provider's: not even a close is possible.
    denied = denials()
    with pytest.raises(NotFound):
        step(provider_staff, referral, "close", reason="no_show")
    assert denials() == denied + 1
    with pytest.raises(StepNotAllowed):
        step(village_officer, referral, "close", reason="withdrawn")
    assert Referral.objects.get(pk=referral.pk).status == "declined"


def test_declined_keeps_the_action_under_way_while_another_referral_is_open(
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
    second_service: Service,
) -> None:
    _goal, action = goal_with_action(village_officer, consented, 1)
    first = send(village_officer, consented, service, action_id=action.pk)
    second = send(village_officer, consented, second_service, action_id=action.pk)
    version = case_version(consented)
    step(provider_staff, first, "decline", reason="Full this month")
    assert (action_status(action), case_version(consented)) == ("in_progress", version)
    step(village_officer, second, "close", reason="withdrawn")
    assert (action_status(action), case_version(consented)) == ("planned", version + 1)
    assert (open_count(service), open_count(second_service)) == (0, 0)


def test_a_completed_referral_keeps_the_action_done(
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
    second_service: Service,
) -> None:
    _goal, action = goal_with_action(village_officer, consented, 1)
    first = send(village_officer, consented, service, action_id=action.pk)
    second = send(village_officer, consented, second_service, action_id=action.pk)
    step(provider_staff, first, "accept")
    step(provider_staff, first, "complete", outcome="achieved")
    version = case_version(consented)
    assert action_status(action) == "done"
    # The other provider is no longer needed: withdrawing it does not undo the action.
    step(village_officer, second, "close", reason="withdrawn")
    assert (action_status(action), case_version(consented)) == ("done", version)


def test_provider_closes_a_no_show_but_may_not_withdraw(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    _goal, action = goal_with_action(village_officer, consented, 1)
    referral = send(village_officer, consented, service, action_id=action.pk)
    step(provider_staff, referral, "accept")
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        step(provider_staff, referral, "close", reason="withdrawn")
    assert caught.value.errors == [
        {"field": "reason", "reason": "choose why the referral is closed"}
    ]
    assert state(referral) == before

    closed = step(provider_staff, referral, "close", reason="no_show")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.closure_reason, stored.version, stored.closed_at) == (
        "closed",
        "no_show",
        3,
        closed.closed_at,
    )
    assert open_count(service) == 0
    assert action_status(action) == "planned"


def test_case_worker_withdraws_but_may_not_close_as_no_show(
    village_officer: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    before = state(referral)
    with pytest.raises(InvalidInput):
        step(village_officer, referral, "close", reason="no_show")
    assert state(referral) == before
    step(village_officer, referral, "close", reason="withdrawn")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.closure_reason, stored.version) == ("closed", "withdrawn", 2)
    assert open_count(service) == 0


@pytest.mark.parametrize("name", ["accept", "decline", "start", "complete"])
def test_case_worker_may_not_take_the_providers_steps(
    name: str, village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    if name in ("start", "complete"):
        step(provider_staff, referral, "accept")
    before, denied = state(referral), denials()
    with pytest.raises(NotFound):
        step(village_officer, referral, name, reason="because", outcome="achieved")
    assert state(referral) == before
    assert denials() == denied + 1


@pytest.mark.parametrize("name", ["accept", "decline", "start", "complete", "close"])
def test_another_providers_staff_gets_not_found_audited(
    name: str,
    village_officer: Actor,
    provider_staff: Actor,
    other_provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    referral = send(village_officer, consented, service)
    if name in ("start", "complete"):
        step(provider_staff, referral, "accept")
    before, denied = state(referral), denials()
    with pytest.raises(NotFound):
        step(other_provider_staff, referral, name, reason="no_show", outcome="achieved")
    assert state(referral)[:-1] == before[:-1]
    assert denials() == denied + 1
    event = AuditEvent.objects.filter(action="access.denied").latest("pk")
    assert (event.username, event.subject_type, event.subject_id) == (
        "other_provider_staff",
        "referrals.referral",
        str(referral.pk),
    )


def test_outsider_case_worker_gets_not_found(
    village_officer: Actor, outsider: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    before, denied = state(referral), denials()
    for name in ("close", "accept"):
        with pytest.raises(NotFound):
            step(outsider, referral, name, reason="withdrawn")
    assert state(referral)[:-1] == before[:-1]
    assert denials() == denied + 2
    # A missing referral answers the same.
    with pytest.raises(NotFound):
        referral_step(
            actor=outsider,
            referral_id=referral.pk + 1000,
            expected_version=1,
            step="close",
            reason="withdrawn",
        )
    assert denials() == denied + 3


def test_a_restricted_case_needs_clearance(
    village_officer: Actor, district_supervisor: Actor, provider_staff: Actor, service: Service
) -> None:
    case = open_case(district_supervisor, register(village_officer), sensitivity="restricted")
    share(district_supervisor, case)
    denied = denials()
    with pytest.raises(NotFound):
        send(village_officer, case, service)
    assert (Referral.objects.count(), denials()) == (0, denied + 1)

    referral = send(district_supervisor, case, service)
    # The provider needs no clearance: it sees the referral, never the case.
    step(provider_staff, referral, "accept")
    before = state(referral)
    with pytest.raises(NotFound):
        step(village_officer, referral, "close", reason="withdrawn")
    assert state(referral)[:-1] == before[:-1]
    step(provider_staff, referral, "start")
    with pytest.raises(NotFound):
        feedback(village_officer, referral, 3)
    assert denials() == denied + 3
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.satisfaction, stored.version) == ("in_service", None, 3)
    step(district_supervisor, referral, "close", reason="withdrawn")
    assert Referral.objects.get(pk=referral.pk).status == "closed"


# --- illegal and stale steps --------------------------------------------------------------


def test_illegal_steps_are_refused_and_change_nothing(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    before = state(referral)
    with pytest.raises(StepNotAllowed) as caught:
        step(provider_staff, referral, "complete", outcome="achieved")
    assert (
        caught.value.text
        == 'The referral is "Sent": "Record completion" is not possible from there.'
    )
    assert state(referral) == before
    with pytest.raises(StepNotAllowed):
        step(provider_staff, referral, "start")
    assert state(referral) == before

    step(provider_staff, referral, "accept")
    accepted = state(referral)
    with pytest.raises(StepNotAllowed):
        step(provider_staff, referral, "accept")
    with pytest.raises(StepNotAllowed):
        step(provider_staff, referral, "decline", reason="changed our mind")
    assert state(referral) == accepted


def test_unknown_step_is_invalid(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        step(provider_staff, referral, "reopen")
    assert caught.value.errors == [{"field": "step", "reason": "not one of the listed values"}]
    assert state(referral) == before


def test_stale_version_is_refused_and_changes_nothing(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    before = state(referral)
    for seen in (0, 2):
        with pytest.raises(StaleReferral):
            referral_step(
                actor=provider_staff, referral_id=referral.pk, expected_version=seen, step="accept"
            )
    assert state(referral) == before
    step(provider_staff, referral, "accept")
    # The case worker's page still shows version 1.
    with pytest.raises(StaleReferral):
        referral_step(
            actor=village_officer,
            referral_id=referral.pk,
            expected_version=1,
            step="close",
            reason="withdrawn",
        )
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


# --- sending: consent, the case, the service ----------------------------------------------


def sending_counts(service: Service) -> tuple[int, int, int, int]:
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        AuditEvent.objects.filter(action__startswith="referrals.").count(),
        open_count(service),
    )


def test_case_worker_without_consent_is_refused(
    village_officer: Actor, case: Case, service: Service
) -> None:
    _goal, action = goal_with_action(village_officer, case, 1)
    before = sending_counts(service)
    for reason in ("", WHY):
        with pytest.raises(ConsentMissing):
            send(village_officer, case, service, action_id=action.pk, override_reason=reason)
    assert sending_counts(service) == before == (0, 0, 0, 0)
    assert (action_status(action), case_version(case)) == ("planned", 3)


def test_supervisor_overrides_missing_consent_with_a_reason(
    village_officer: Actor, district_supervisor: Actor, case: Case, service: Service
) -> None:
    before = sending_counts(service)
    with pytest.raises(ConsentMissing):
        send(district_supervisor, case, service, override_reason="   ")
    assert sending_counts(service) == before

    referral = send(district_supervisor, case, service, override_reason=f"  {WHY} ")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.consent_id, stored.override_reason, stored.override_by_id) == (
        None,
        WHY,
        district_supervisor.user.pk,
    )
    overridden = AuditEvent.objects.get(action="referrals.consent_overridden")
    assert (overridden.reason, overridden.subject_id, overridden.username) == (
        WHY,
        str(referral.pk),
        "district_supervisor",
    )
    assert open_count(service) == 1


def test_a_reason_is_not_kept_when_consent_is_in_force(
    district_supervisor: Actor, consented: Case, service: Service
) -> None:
    referral = send(district_supervisor, consented, service, override_reason=WHY)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.consent_id is not None, stored.override_reason, stored.override_by_id) == (
        True,
        "",
        None,
    )
    assert AuditEvent.objects.filter(action="referrals.consent_overridden").count() == 0


def test_withdrawn_consent_blocks_again(
    village_officer: Actor, consented: Case, service: Service, second_service: Service
) -> None:
    send(village_officer, consented, service)
    consent_withdraw(
        actor=village_officer, person_id=consented.person_id, purpose="referral_sharing"
    )
    before = sending_counts(second_service)
    with pytest.raises(ConsentMissing):
        send(village_officer, consented, second_service)
    assert sending_counts(second_service) == before
    assert Referral.objects.filter(service=second_service).count() == 0


def test_a_closed_case_cannot_refer(
    village_officer: Actor, consented: Case, service: Service
) -> None:
    case_close(actor=village_officer, case_id=consented.pk, expected_version=1, reason="remigrated")
    before = sending_counts(service)
    with pytest.raises(InvalidInput) as caught:
        send(village_officer, consented, service)
    assert caught.value.errors == [
        {"field": "case_id", "reason": "the case is closed: reopen it before referring"}
    ]
    assert sending_counts(service) == before


@pytest.mark.parametrize("status", [EntryStatus.PENDING, EntryStatus.WITHDRAWN])
def test_a_service_not_in_the_directory_is_not_offered(
    status: str, village_officer: Actor, consented: Case, service: Service
) -> None:
    Service.objects.filter(pk=service.pk).update(status=status)
    with pytest.raises(ServiceNotOffered):
        send(village_officer, consented, service)
    with pytest.raises(ServiceNotOffered):
        referral_send(
            actor=village_officer,
            case_id=consented.pk,
            service_id=service.pk + 99,
            shared_note=NOTE,
        )
    assert sending_counts(service) == (0, 0, 0, 0)


def test_one_open_referral_per_case_and_service(
    village_officer: Actor, consented: Case, service: Service
) -> None:
    first = send(village_officer, consented, service)
    before = sending_counts(service)
    with pytest.raises(AlreadyReferred):
        send(village_officer, consented, service)
    assert sending_counts(service) == before
    # Once the first is closed, the returnee may be referred again.
    step(village_officer, first, "close", reason="withdrawn")
    again = send(village_officer, consented, service)
    assert (again.pk != first.pk, open_count(service)) == (True, 1)


def test_the_action_must_be_of_this_case(
    world: World, village_officer: Actor, consented: Case, service: Service
) -> None:
    other = open_case(
        village_officer,
        register(
            village_officer,
            full_name="Dewi Lestari",
            identifiers=[],
            birth_date=dt.date(1990, 1, 2),
        ),
    )
    _goal, foreign_action = goal_with_action(village_officer, other, 1)
    with pytest.raises(InvalidInput) as caught:
        send(village_officer, consented, service, action_id=foreign_action.pk)
    assert caught.value.errors == [
        {"field": "action_id", "reason": "this action is not part of this case's plan"}
    ]
    assert sending_counts(service) == (0, 0, 0, 0)
    assert action_status(foreign_action) == "planned"


def test_note_for_the_provider_is_required(
    village_officer: Actor, consented: Case, service: Service
) -> None:
    with pytest.raises(InvalidInput) as caught:
        referral_send(
            actor=village_officer, case_id=consented.pk, service_id=service.pk, shared_note=" "
        )
    assert caught.value.errors == [{"field": "shared_note", "reason": "this is required"}]
    assert sending_counts(service) == (0, 0, 0, 0)


def test_outsider_cannot_refer_from_a_case_out_of_reach(
    outsider: Actor, consented: Case, service: Service
) -> None:
    denied = denials()
    with pytest.raises(NotFound):
        send(outsider, consented, service)
    assert denials() == denied + 1
    assert sending_counts(service) == (0, 0, 0, 0)


# --- feedback -----------------------------------------------------------------------------


def feedback(actor: Actor, referral: Referral, satisfaction: object, comment: str = "") -> Referral:
    return referral_feedback(
        actor=actor,
        referral_id=referral.pk,
        expected_version=Referral.objects.get(pk=referral.pk).version,
        satisfaction=satisfaction,  # type: ignore[arg-type]
        comment=comment,
    )


def test_case_worker_records_feedback_once_after_the_service_started(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        feedback(village_officer, referral, 4)
    assert caught.value.errors == [
        {"field": "satisfaction", "reason": "feedback is given once the service has started"}
    ]
    assert state(referral) == before

    step(provider_staff, referral, "start")
    started = state(referral)
    for bad in (0, 6, "x", None, "4.5", -1):
        with pytest.raises(InvalidInput) as caught:
            feedback(village_officer, referral, bad)
        assert caught.value.errors == [
            {"field": "satisfaction", "reason": "choose from 1 (very unhappy) to 5 (very happy)"}
        ]
    assert state(referral) == started

    saved = feedback(village_officer, referral, "4", " The counsellor listened. ")
    stored = Referral.objects.get(pk=referral.pk)
    assert (
        stored.satisfaction,
        stored.feedback,
        stored.feedback_via,
        stored.feedback_at,
        stored.version,
        stored.status,
    ) == (4, "The counsellor listened.", "case_worker", saved.feedback_at, 4, "in_service")
    event = AuditEvent.objects.get(action="referrals.feedback")
    assert (event.username, event.details) == ("village_officer", {"via": "case_worker"})

    again = state(referral)
    with pytest.raises(InvalidInput) as caught:
        feedback(village_officer, referral, 2)
    assert caught.value.errors == [
        {"field": "satisfaction", "reason": "feedback on this service has already been given"}
    ]
    assert state(referral) == again


def test_feedback_on_a_stale_version_is_refused(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    step(provider_staff, referral, "start")
    before = state(referral)
    with pytest.raises(StaleReferral):
        referral_feedback(
            actor=village_officer, referral_id=referral.pk, expected_version=2, satisfaction=5
        )
    assert state(referral) == before


def test_no_feedback_on_a_referral_withdrawn_before_the_service_started(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    step(provider_staff, referral, "close", reason="no_show")
    before = state(referral)
    with pytest.raises(InvalidInput) as caught:
        feedback(village_officer, referral, 1)
    assert caught.value.errors == [
        {"field": "satisfaction", "reason": "feedback is given once the service has started"}
    ]
    assert state(referral) == before


def test_feedback_on_a_referral_closed_during_the_service(
    village_officer: Actor, provider_staff: Actor, consented: Case, service: Service
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    step(provider_staff, referral, "start")
    step(village_officer, referral, "close", reason="withdrawn")
    feedback(village_officer, referral, 2, "Too far to travel")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.satisfaction, stored.feedback) == (
        "closed",
        2,
        "Too far to travel",
    )


@pytest.mark.parametrize("persona", ["provider_staff", "outsider"])
def test_only_those_working_the_case_record_feedback(
    persona: str,
    request: pytest.FixtureRequest,
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    step(provider_staff, referral, "start")
    actor: Actor = request.getfixturevalue(persona)
    before, denied = state(referral), denials()
    with pytest.raises(NotFound):
        feedback(actor, referral, 5)
    assert state(referral)[:-1] == before[:-1]
    assert denials() == denied + 1


def self_registered(actor: Actor, **changes: object) -> tuple[str, Person]:
    """A returnee who registered on their phone, registered by the office: their code and
    the person it became."""
    occupation()
    draft = self_registration_save(payload=payload_of(siti(**changes)))
    self_registration_submit(reference_code=draft.reference_code)
    outcome = intake_decide(actor=actor, intake_id=draft.pk, on_match=OnMatch.CREATE)
    assert outcome.person is not None
    return draft.reference_code, outcome.person


def in_service_referral(officer: Actor, provider: Actor, who: Person, service: Service) -> Referral:
    case = open_case(officer, who)
    share(officer, case)
    referral = send(officer, case, service)
    step(provider, referral, "accept")
    step(provider, referral, "start")
    return referral


def test_returnee_gives_feedback_with_their_code(
    world: World, village_officer: Actor, provider_staff: Actor, service: Service
) -> None:
    code, siti_person = self_registered(village_officer)
    other_code, dewi = self_registered(
        village_officer, full_name="Dewi Lestari", identifiers=[], birth_date=dt.date(1990, 1, 2)
    )
    assert code != other_code
    mine = in_service_referral(village_officer, provider_staff, siti_person, service)
    theirs = in_service_referral(village_officer, provider_staff, dewi, service)

    before_mine, before_theirs, denied = state(mine), state(theirs), denials()
    for reference, referral_id in (
        ("ZZZZZZZZ", mine.pk),  # an unknown code
        ("", mine.pk),
        (code, theirs.pk),  # someone else's referral
        (other_code, mine.pk),
        (code, theirs.pk + 1000),  # a missing one
    ):
        with pytest.raises(NotFound):
            referral_feedback_by_code(
                reference_code=reference, referral_id=referral_id, satisfaction=5
            )
    assert denials() == denied + 5
    assert state(mine)[:-1] == before_mine[:-1]
    assert state(theirs)[:-1] == before_theirs[:-1]

    referral_feedback_by_code(
        reference_code=f" {code.lower()} ",
        referral_id=mine.pk,
        satisfaction=5,
        comment="Terima kasih",
    )
    stored = Referral.objects.get(pk=mine.pk)
    assert (stored.satisfaction, stored.feedback, stored.feedback_via) == (
        5,
        "Terima kasih",
        "returnee",
    )
    event = ReferralEvent.objects.filter(referral=mine, kind="feedback").get()
    assert event.by_id is None
    with pytest.raises(InvalidInput):
        referral_feedback_by_code(reference_code=code, referral_id=mine.pk, satisfaction=1)
    assert Referral.objects.get(pk=mine.pk).satisfaction == 5
    assert Referral.objects.get(pk=theirs.pk).satisfaction is None


# --- reminders ----------------------------------------------------------------------------


@pytest.fixture
def waiting_days(settings: Settings) -> None:
    settings.PULANG_REFERRAL_ANSWER_DAYS = 3
    settings.PULANG_REFERRAL_OUTCOME_DAYS = 20


def reminder_rows() -> list[tuple[int, str, str, int, int | None]]:
    return sorted(
        Reminder.objects.values_list(
            "referral_id", "stage", "recipient", "organisation_id", "user_id"
        )
    )


def test_reminders_once_per_stage_and_side(
    world: World,
    waiting_days: None,
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
    second_service: Service,
) -> None:
    waiting = send(village_officer, consented, service)
    answered = send(village_officer, consented, second_service)
    step(provider_staff, answered, "accept")
    now = timezone.now()

    assert reminders_send(now=now + dt.timedelta(days=2, hours=23)) == 0
    assert reminder_rows() == []

    assert reminders_send(now=now + dt.timedelta(days=3, hours=1)) == 2
    officer, provider = village_officer.user.pk, world.provider.pk
    assert reminder_rows() == [
        (waiting.pk, "sent", "case_worker", world.village.pk, officer),
        (waiting.pk, "sent", "provider", provider, None),
    ]
    # Run again (a daily task): nobody is reminded twice.
    assert reminders_send(now=now + dt.timedelta(days=4)) == 0
    assert Reminder.objects.count() == 2
    assert ReferralEvent.objects.filter(kind="reminded").count() == 1

    assert reminders_send(now=now + dt.timedelta(days=20, hours=1)) == 2
    assert reminder_rows() == [
        (waiting.pk, "sent", "case_worker", world.village.pk, officer),
        (waiting.pk, "sent", "provider", provider, None),
        (answered.pk, "accepted", "case_worker", world.village.pk, officer),
        (answered.pk, "accepted", "provider", provider, None),
    ]
    assert reminders_send(now=now + dt.timedelta(days=40)) == 0
    assert ReferralEvent.objects.filter(kind="reminded").count() == 2


def test_feedback_does_not_put_off_the_outcome_reminder(
    world: World,
    waiting_days: None,
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "accept")
    step(provider_staff, referral, "start")
    started = timezone.now() - dt.timedelta(days=25)
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=started - dt.timedelta(days=2),
        responded_at=started - dt.timedelta(days=1),
        started_at=started,
        updated_at=started,
    )
    # The returnee's word, told to the case worker, is not the provider's outcome.
    feedback(village_officer, referral, 4)
    assert reminders_send(now=timezone.now() + dt.timedelta(hours=1)) == 2
    assert reminder_rows() == [
        (referral.pk, "in_service", "case_worker", world.village.pk, village_officer.user.pk),
        (referral.pk, "in_service", "provider", world.provider.pk, None),
    ]


def test_no_reminder_for_referrals_no_longer_waiting(
    waiting_days: None,
    village_officer: Actor,
    provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    referral = send(village_officer, consented, service)
    step(provider_staff, referral, "decline", reason="Full")
    assert reminders_send(now=timezone.now() + dt.timedelta(days=60)) == 0
    assert Reminder.objects.count() == 0


def test_reminder_seen_only_by_its_own_recipient(
    waiting_days: None,
    village_officer: Actor,
    district_supervisor: Actor,
    provider_staff: Actor,
    other_provider_staff: Actor,
    consented: Case,
    service: Service,
) -> None:
    send(village_officer, consented, service)
    reminders_send(now=timezone.now() + dt.timedelta(days=4))
    for_provider = Reminder.objects.get(recipient="provider")
    for_officer = Reminder.objects.get(recipient="case_worker")
    assert [r.pk for r in reminders_unseen(actor=provider_staff)] == [for_provider.pk]
    assert [r.pk for r in reminders_unseen(actor=village_officer)] == [for_officer.pk]
    assert list(reminders_unseen(actor=other_provider_staff)) == []
    assert list(reminders_unseen(actor=district_supervisor)) == []

    denied = denials()
    for actor, reminder in (
        (other_provider_staff, for_provider),
        (village_officer, for_provider),
        (provider_staff, for_officer),
        (district_supervisor, for_officer),
    ):
        with pytest.raises(NotFound):
            reminder_seen(actor=actor, reminder_id=reminder.pk)
    assert denials() == denied + 4
    assert list(Reminder.objects.values_list("seen_at", flat=True)) == [None, None]

    reminder_seen(actor=provider_staff, reminder_id=for_provider.pk)
    assert Reminder.objects.get(pk=for_provider.pk).seen_at is not None
    assert Reminder.objects.get(pk=for_officer.pk).seen_at is None
    assert list(reminders_unseen(actor=provider_staff)) == []
    with pytest.raises(NotFound):
        reminder_seen(actor=provider_staff, reminder_id=for_provider.pk)
    reminder_seen(actor=village_officer, reminder_id=for_officer.pk)
    assert list(reminders_unseen(actor=village_officer)) == []
