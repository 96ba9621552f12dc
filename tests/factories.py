"""Shared test data: a small Indonesian area tree, organisations of every kind, personas.

Areas and countries are created directly (they are reference data); organisations, users
and memberships go through the services, as the product creates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from pulang.accounts.services import user_create
from pulang.geo.models import AdminArea
from pulang.orgs.actor import Actor
from pulang.orgs.models import Membership, Organisation, OrganisationKind, Role
from pulang.orgs.services import membership_create, organisation_create
from pulang.reference.models import Country

PASSWORD = "correct-horse-battery-9"


def country(code: str, name: str, **flags: bool) -> Country:
    alpha3 = {"ID": "IDN", "MY": "MYS", "PH": "PHL", "SA": "SAU"}.get(code, code + "X")
    return Country.objects.get_or_create(
        code=code, defaults={"alpha3": alpha3, "numeric": "000", "name": name, **flags}
    )[0]


def area(parent: AdminArea, code: str, name: str) -> AdminArea:
    return AdminArea.objects.create(
        country_id=parent.country_id,
        code=code,
        level=parent.level + 1,
        parent=parent,
        name=name,
        path=f"{parent.path}{code}/",
    )


@dataclass
class World:
    indonesia: Country
    malaysia: Country
    saudi: Country
    root: AdminArea
    east_java: AdminArea
    malang: AdminArea
    kepanjen: AdminArea
    talangagung: AdminArea
    sumberpucung: AdminArea
    west_nusa_tenggara: AdminArea
    lombok_timur: AdminArea
    national: Organisation
    province: Organisation
    district: Organisation
    village: Organisation
    other_district: Organisation
    consulate: Organisation
    other_consulate: Organisation
    provider: Organisation
    agency: Organisation
    employer: Organisation


def build_world() -> World:
    indonesia = country("ID", "Indonesia", is_asean_member=True, is_sending_country=True)
    malaysia = country("MY", "Malaysia", is_asean_member=True, is_main_destination=True)
    saudi = country("SA", "Saudi Arabia", is_main_destination=True)
    root = AdminArea.objects.create(
        country=indonesia, code="ID", level=0, name="Indonesia", path="ID/"
    )
    east_java = area(root, "ID-JI", "Jawa Timur")
    malang = area(east_java, "35.07", "Kabupaten Malang")
    kepanjen = area(malang, "35.07.13", "Kepanjen")
    talangagung = area(kepanjen, "35.07.13.2001", "Talangagung")
    sumberpucung_sub = area(malang, "35.07.12", "Sumberpucung")
    sumberpucung = area(sumberpucung_sub, "35.07.12.2001", "Sumberpucung")
    ntb = area(root, "ID-NB", "Nusa Tenggara Barat")
    lombok_timur = area(ntb, "52.03", "Kabupaten Lombok Timur")

    def org(name: str, kind: OrganisationKind, **kw: object) -> Organisation:
        return organisation_create(actor=None, name=name, kind=kind, country=indonesia, **kw)  # type: ignore[arg-type]

    return World(
        indonesia=indonesia,
        malaysia=malaysia,
        saudi=saudi,
        root=root,
        east_java=east_java,
        malang=malang,
        kepanjen=kepanjen,
        talangagung=talangagung,
        sumberpucung=sumberpucung,
        west_nusa_tenggara=ntb,
        lombok_timur=lombok_timur,
        national=org("National agency", OrganisationKind.NATIONAL_AGENCY, area=root),
        province=org("East Java office", OrganisationKind.PROVINCIAL_OFFICE, area=east_java),
        district=org("Malang office", OrganisationKind.DISTRICT_OFFICE, area=malang),
        village=org("Talangagung office", OrganisationKind.VILLAGE_OFFICE, area=talangagung),
        other_district=org(
            "Lombok Timur office", OrganisationKind.DISTRICT_OFFICE, area=lombok_timur
        ),
        consulate=org(
            "Consulate Kuala Lumpur", OrganisationKind.CONSULAR_POST, destination_country=malaysia
        ),
        other_consulate=org(
            "Consulate Riyadh", OrganisationKind.CONSULAR_POST, destination_country=saudi
        ),
        provider=org("Malang counselling NGO", OrganisationKind.SERVICE_PROVIDER, area=malang),
        agency=org("PT Penempatan", OrganisationKind.RECRUITMENT_AGENCY),
        employer=org("PT Tani", OrganisationKind.EMPLOYER, area=malang),
    )


_counter = 0


def person(
    organisation: Organisation,
    role: Role,
    *,
    username: str | None = None,
    clearance: bool = False,
    scope_area: AdminArea | None = None,
    language: str = "en",
) -> Actor:
    global _counter
    _counter += 1
    user: User = user_create(
        username=username or f"{role.value}{_counter}",
        password=PASSWORD,
        full_name=f"Test {role.label}",
        language=language,
    )
    membership: Membership = membership_create(
        actor=None,
        user=user,
        organisation=organisation,
        role=role,
        has_clearance=clearance,
        scope_area=scope_area,
    )
    return Actor(user=user, membership=membership)
