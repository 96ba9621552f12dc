from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from pulang.audit.actions import Action
from pulang.audit.context import Origin, origin
from pulang.audit.models import AuditEvent
from pulang.audit.selectors import AuditFilters, audit_event_search
from pulang.audit.services import record
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from tests.conftest import signed_in
from tests.factories import World


def test_record_keeps_who_what_which_and_where(world: World, village_officer: Actor) -> None:
    with origin(Origin(channel="api", ip_address="10.1.2.3", request_id="abc")):
        event = record(village_officer, Action.ACCESS_DENIED, world.district, reason="checking")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (
        stored.username,
        stored.organisation_id,
        stored.organisation_name,
        stored.role,
        stored.action,
        stored.subject_type,
        stored.subject_id,
        stored.reason,
        stored.channel,
        stored.ip_address,
        stored.request_id,
    ) == (
        "village_officer",
        world.village.pk,
        "Talangagung office",
        "case_worker",
        "access.denied",
        "orgs.organisation",
        str(world.district.pk),
        "checking",
        "api",
        "10.1.2.3",
        "abc",
    )


def test_unknown_action_is_refused(world: World, village_officer: Actor) -> None:
    with pytest.raises(ValueError):
        record(village_officer, "orgs.made_up")  # type: ignore[arg-type]


def test_the_database_refuses_to_change_or_delete_events(world: World) -> None:
    if connection.vendor == "sqlite":
        # Withdraw the suite's permit (rolled back with the test) so the guard is live.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_purge_permit")
    event = record(None, Action.REFERENCE_LOADED)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="auth.login")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "reference.loaded"


def test_national_auditor_sees_every_office_and_system_events(
    world: World, auditor: Actor, village_officer: Actor, outsider: Actor
) -> None:
    record(village_officer, Action.LOGIN)
    record(outsider, Action.LOGIN)
    record(None, Action.REFERENCE_LOADED)
    page = audit_event_search(actor=auditor, filters=AuditFilters(action="auth.login"))
    assert sorted(e.username for e in page.events) == ["outsider", "village_officer"]
    page = audit_event_search(actor=auditor, filters=AuditFilters(action="reference.loaded"))
    assert len(page.events) == 1


def test_district_auditor_sees_only_their_district(
    world: World, district_auditor: Actor, village_officer: Actor, outsider: Actor
) -> None:
    record(village_officer, Action.LOGIN)
    record(outsider, Action.LOGIN)
    record(None, Action.REFERENCE_LOADED)
    page = audit_event_search(actor=district_auditor, filters=AuditFilters())
    assert [e.username for e in page.events if e.action == "auth.login"] == ["village_officer"]
    assert all(e.organisation_id is not None for e in page.events)


def test_case_worker_may_not_read_the_log(world: World, village_officer: Actor) -> None:
    with pytest.raises(PermissionDenied):
        audit_event_search(actor=village_officer, filters=AuditFilters())


def test_pages_follow_the_keyset(world: World, auditor: Actor, village_officer: Actor) -> None:
    for _ in range(5):
        record(village_officer, Action.LOGIN)
    filters = AuditFilters(username="village_officer")
    first = audit_event_search(actor=auditor, filters=filters, limit=2)
    second = audit_event_search(actor=auditor, filters=filters, limit=2, before=first.next_before)
    third = audit_event_search(actor=auditor, filters=filters, limit=2, before=second.next_before)
    ids = [e.pk for e in first.events + second.events + third.events]
    assert len(ids) == 5
    assert ids == sorted(ids, reverse=True)
    assert third.next_before is None


def test_search_page_for_auditor_is_itself_audited(
    client: Client, world: World, auditor: Actor, village_officer: Actor
) -> None:
    record(village_officer, Action.LOGIN)
    response = signed_in(client, auditor).get(
        reverse("audit:search"), {"username": "village_officer"}
    )
    assert response.status_code == 200
    assert [e.username for e in response.context["page"].events] == ["village_officer"]
    searched = AuditEvent.objects.get(action="audit.searched")
    assert (searched.username, searched.details) == ("auditor", {"username": "village_officer"})


def test_search_page_rejects_reversed_dates_without_searching(
    client: Client, world: World, auditor: Actor
) -> None:
    response = signed_in(client, auditor).get(
        reverse("audit:search"), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert response.status_code == 200
    assert response.context["page"] is None
    assert response.context["form"].errors == {"until": ["The end date is before the start date."]}
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


def test_search_page_is_not_found_for_a_case_worker(
    client: Client, world: World, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).get(reverse("audit:search"))
    assert response.status_code == 404
