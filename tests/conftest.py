from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from tests.factories import World, build_world, person


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """Let the flush between transactional tests empty the append-only audit log on
    SQLite (see audit migration 0002); PostgreSQL's flush truncates, which is allowed."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO audit_purge_permit (reason) VALUES ('test suite')")
    yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def administrator(world: World) -> Actor:
    return person(world.national, Role.ADMINISTRATOR, username="administrator", clearance=True)


@pytest.fixture
def auditor(world: World) -> Actor:
    return person(world.national, Role.AUDITOR, username="auditor")


@pytest.fixture
def district_auditor(world: World) -> Actor:
    return person(world.district, Role.AUDITOR, username="district_auditor")


@pytest.fixture
def analyst(world: World) -> Actor:
    return person(world.province, Role.ANALYST, username="analyst")


@pytest.fixture
def district_supervisor(world: World) -> Actor:
    return person(world.district, Role.SUPERVISOR, username="district_supervisor", clearance=True)


@pytest.fixture
def village_officer(world: World) -> Actor:
    return person(world.village, Role.CASE_WORKER, username="village_officer")


@pytest.fixture
def consular_officer(world: World) -> Actor:
    return person(world.consulate, Role.CONSULAR_OFFICER, username="consular_officer")


@pytest.fixture
def provider_staff(world: World) -> Actor:
    return person(world.provider, Role.PROVIDER_STAFF, username="provider_staff")


@pytest.fixture
def agency_staff(world: World) -> Actor:
    return person(world.agency, Role.AGENCY_STAFF, username="agency_staff")


@pytest.fixture
def employer_staff(world: World) -> Actor:
    return person(world.employer, Role.EMPLOYER_STAFF, username="employer_staff")


@pytest.fixture
def outsider(world: World) -> Actor:
    """A case worker in another district (Lombok Timur): same country, other scope."""
    return person(world.other_district, Role.CASE_WORKER, username="outsider")


@pytest.fixture
def returnee(client: Client) -> Client:
    """Returnees have no staff account: they use Pulang's public pages anonymously."""
    return client


def signed_in(client: Client, actor: Actor) -> Client:
    client.force_login(actor.user, backend="django.contrib.auth.backends.ModelBackend")
    return client
