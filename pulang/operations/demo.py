"""The demo: organisations of every kind and one user per role, in Indonesian districts
that send many migrant workers. Built only through services, and safe to run again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from pulang.accounts.selectors import user_get_by_username
from pulang.accounts.services import user_create
from pulang.geo.selectors import area_get
from pulang.geo.services import area_import, area_load_iso_provinces
from pulang.orgs.models import OrganisationKind, Role
from pulang.orgs.selectors import membership_exists, organisation_get_by_name
from pulang.orgs.services import membership_create, organisation_create
from pulang.reference.selectors import country_list
from pulang.reference.services import ASEAN_MEMBERS, reference_load

DEMO_PASSWORD = "demo-pulang-2026"  # noqa: S105 - printed for the demo, refused outside it
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kind: OrganisationKind
    area: str | None = None
    destination: str | None = None


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    organisation: str
    role: Role
    clearance: bool = False
    language: str = "id"


ORGANISATIONS = (
    DemoOrganisation(
        "national",
        "Badan Pelindungan Pekerja Migran Indonesia (demo)",
        OrganisationKind.NATIONAL_AGENCY,
        "ID",
    ),
    DemoOrganisation(
        "province",
        "Dinas Tenaga Kerja Provinsi Jawa Timur (demo)",
        OrganisationKind.PROVINCIAL_OFFICE,
        "ID-JI",
    ),
    DemoOrganisation(
        "district",
        "Dinas Tenaga Kerja Kabupaten Malang (demo)",
        OrganisationKind.DISTRICT_OFFICE,
        "35.07",
    ),
    DemoOrganisation(
        "village",
        "Desmigratif Desa Talangagung (demo)",
        OrganisationKind.VILLAGE_OFFICE,
        "35.07.13.2001",
    ),
    DemoOrganisation(
        "lombok",
        "Dinas Tenaga Kerja Kabupaten Lombok Timur (demo)",
        OrganisationKind.DISTRICT_OFFICE,
        "52.03",
    ),
    DemoOrganisation(
        "consulate",
        "KBRI Kuala Lumpur, Atase Ketenagakerjaan (demo)",
        OrganisationKind.CONSULAR_POST,
        destination="MY",
    ),
    DemoOrganisation(
        "provider",
        "Yayasan Pemberdayaan Purna Migran Malang (demo)",
        OrganisationKind.SERVICE_PROVIDER,
        "35.07",
    ),
    DemoOrganisation(
        "agency", "PT Sinar Jaya Penempatan (demo)", OrganisationKind.RECRUITMENT_AGENCY, "ID-JI"
    ),
    DemoOrganisation(
        "employer", "PT Tani Makmur Sejahtera (demo)", OrganisationKind.EMPLOYER, "35.07"
    ),
    DemoOrganisation(
        "association",
        "Serikat Purna Migran Malang (demo)",
        OrganisationKind.RETURNEE_ASSOCIATION,
        "35.07",
    ),
)

USERS = (
    DemoUser("admin", "Ayu Lestari", "national", Role.ADMINISTRATOR, clearance=True),
    DemoUser("auditor", "Bambang Sutrisno", "national", Role.AUDITOR),
    DemoUser("analyst", "Citra Dewi", "province", Role.ANALYST, language="en"),
    DemoUser("supervisor", "Dedi Kurniawan", "district", Role.SUPERVISOR, clearance=True),
    DemoUser("caseworker", "Eka Rahmawati", "village", Role.CASE_WORKER),
    DemoUser("consular", "Fajar Nugroho", "consulate", Role.CONSULAR_OFFICER, clearance=True),
    DemoUser("provider", "Gita Permata", "provider", Role.PROVIDER_STAFF),
    DemoUser("agency", "Hendra Wijaya", "agency", Role.AGENCY_STAFF, language="en"),
    DemoUser("employer", "Indah Sari", "employer", Role.EMPLOYER_STAFF),
)


class DemoRefused(RuntimeError):
    pass


def demo_setup() -> list[DemoUser]:
    """Load reference data, the demo areas, organisations and users. Returns the users."""
    if not (settings.DEBUG or settings.PULANG_DEMO):
        # Known passwords must never reach a real deployment.
        raise DemoRefused("Demo users are created only with PULANG_DEMO=true or PULANG_DEBUG=true.")
    reference_load()
    area_load_iso_provinces(country_codes=sorted(ASEAN_MEMBERS))
    area_import(actor=None, data=(DATA / "demo_areas_id.csv").read_bytes(), country_code="ID")
    countries = {c.code: c for c in country_list()}
    with transaction.atomic():
        organisations = {}
        for spec in ORGANISATIONS:
            organisation = organisation_get_by_name(name=spec.name)
            if organisation is None:
                organisation = organisation_create(
                    actor=None,
                    name=spec.name,
                    kind=spec.kind,
                    country=countries["ID"],
                    area=area_get(country_code="ID", code=spec.area) if spec.area else None,
                    destination_country=countries[spec.destination] if spec.destination else None,
                )
            organisations[spec.key] = organisation
        for person in USERS:
            user = user_get_by_username(username=person.username)
            if user is None:
                user = user_create(
                    username=person.username,
                    password=DEMO_PASSWORD,
                    full_name=person.full_name,
                    language=person.language,
                )
            organisation = organisations[person.organisation]
            if not membership_exists(
                user_id=user.pk, organisation_id=organisation.pk, role=person.role
            ):
                membership_create(
                    actor=None,
                    user=user,  # type: ignore[arg-type]
                    organisation=organisation,
                    role=person.role,
                    has_clearance=person.clearance,
                )
    return list(USERS)
