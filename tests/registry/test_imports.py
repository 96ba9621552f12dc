"""Bulk imports: check (dry run), import, idempotency, errors by line and column,
atomicity, permissions and scope, the EPS mapping and the page flow."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.reference.models import Country, Currency
from pulang.registry.imports.errors import (
    ImportAlreadyDone,
    ImportFileUnreadable,
    ImportHasErrors,
    ImportMappingIncomplete,
    ImportNothingNew,
)
from pulang.registry.imports.models import ImportBatch, ImportRowError, ImportSource
from pulang.registry.imports.services import (
    commit_now,
    import_batch_check,
    import_batch_commit,
    import_batch_run_check,
    import_batch_upload,
    import_source_from_template,
)
from pulang.registry.imports.services.checking import check_rows
from pulang.registry.imports.services.loading import portable, postgresql
from pulang.registry.imports.services.staging import read_chunks
from pulang.registry.inputs import Lookups, ReferenceQueries
from pulang.registry.models import (
    Consent,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonName,
    PersonOrganisationLink,
    Return,
)
from pulang.registry.services import OnMatch, registration_submit
from tests.conftest import signed_in
from tests.factories import World, person
from tests.registry.helpers import occupation, siti
from tests.registry.import_rows import AGUS, BUDI, HEADERS, csv_bytes

DATA = Path(__file__).parent / "data"
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def imports_setup(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PULANG_IMPORT_DIR = str(tmp_path / "imports")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    yield


@pytest.fixture
def isco(db: None) -> None:
    occupation()


@pytest.fixture
def standard(district_supervisor: Actor) -> ImportSource:
    return import_source_from_template(actor=district_supervisor, name="standard")


def run_check(batch_id: int) -> str:
    import_batch_run_check(batch_id=batch_id)
    return "test"


def run_commit(batch_id: int) -> str:
    commit_now(batch_id=batch_id)
    return "test"


def run_commit_portable(batch_id: int) -> str:
    commit_now(batch_id=batch_id, portable=True)
    return "test"


def upload(actor: Actor, content: bytes, name: str, source: ImportSource | None) -> ImportBatch:
    return import_batch_upload(
        actor=actor, upload=SimpleUploadedFile(name, content), file_name=name, source=source
    )


def checked(
    actor: Actor, content: bytes, source: ImportSource | None, capture: Capture, name: str = "a.csv"
) -> ImportBatch:
    batch = upload(actor, content, name, source)
    with capture(execute=True):
        import_batch_check(actor=actor, batch=batch, enqueue=run_check)
    batch.refresh_from_db()
    return batch


def imported(
    actor: Actor, batch: ImportBatch, capture: Capture, *, portable: bool = False
) -> ImportBatch:
    with capture(execute=True):
        import_batch_commit(
            actor=actor, batch=batch, enqueue=run_commit_portable if portable else run_commit
        )
    batch.refresh_from_db()
    return batch


def registry_counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Person, PersonName, Identifier, MigrationEpisode, Return, IntakeRecord, Consent)
    )


NOTHING = (0, 0, 0, 0, 0, 0, 0)
LOADERS = ["default", "portable"]


# --- Importing ------------------------------------------------------------------------------


@pytest.mark.parametrize("loader", LOADERS)
def test_supervisor_imports_a_csv_arrival_list(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    loader: str,
) -> None:
    content = (DATA / "arrivals.csv").read_bytes()
    batch = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    assert (batch.status, batch.rows, batch.valid, batch.invalid) == ("checked", 3, 3, 0)
    assert (batch.would_create, batch.would_link, batch.skipped_already_imported) == (3, 0, 0)

    batch = imported(
        district_supervisor,
        batch,
        django_capture_on_commit_callbacks,
        portable=loader == "portable",
    )
    assert (batch.status, batch.created, batch.linked, batch.failure) == ("done", 3, 0, "")
    assert (batch.progress, batch.stored_path) == (100, "")
    assert registry_counts() == (3, 3, 3, 3, 3, 3, 3)
    siti_person = Person.objects.get(identifiers__number="3507015708850001")
    assert (
        siti_person.full_name,
        siti_person.sex,
        siti_person.birth_date,
        siti_person.home_area_id,
        siti_person.phone,
        siti_person.nationality_id,
        siti_person.abroad_in_id,
        siti_person.is_restricted,
    ) == (
        "Siti Aminah binti Sukarno",
        "F",
        dt.date(1985, 8, 17),
        world.talangagung.pk,
        "+6281234567890",
        "ID",
        None,
        False,
    )
    name = PersonName.objects.get(person=siti_person)
    assert (name.kind, name.written) == ("primary", "Siti Aminah binti Sukarno")
    assert "binti" not in name.folded
    episode = MigrationEpisode.objects.get(person=siti_person)
    assert (episode.destination_country_id, episode.occupation_id, episode.started_on) == (
        "MY",
        "9111",
        dt.date(2019, 3, 1),
    )
    ret = Return.objects.get(person=siti_person)
    assert (ret.status, ret.returned_on, ret.reason, ret.mode, ret.channel, ret.episode_id) == (
        "arrived",
        dt.date(2025, 3, 2),
        "end_of_contract",
        "voluntary",
        "import",
        episode.pk,
    )
    assert (ret.port_of_entry, ret.reported_by_id) == ("Juanda, Surabaya", world.district.pk)
    intake = IntakeRecord.objects.get(person=siti_person)
    assert (intake.channel, intake.status, intake.organisation_id, intake.area_id) == (
        "import",
        "created",
        world.district.pk,
        world.talangagung.pk,
    )
    assert intake.payload["line"] == 2
    assert intake.payload["import_batch"] == batch.pk
    assert intake.payload["row"]["national_id_number"] == "3507 0157 0885 0001"
    assert intake.idempotency_key.startswith("h:")
    dewi = Person.objects.get(identifiers__number="3507014301920003")
    assert sorted(Consent.objects.filter(person=dewi).values_list("purpose", flat=True)) == [
        "case_management",
        "referral_sharing",
    ]
    committed = AuditEvent.objects.get(action="registry.import_committed")
    assert (committed.subject_id, committed.details["created"]) == (str(batch.pk), 3)
    assert committed.channel == "task"
    started = AuditEvent.objects.get(action="registry.import_started")
    assert (started.username, started.subject_id) == ("district_supervisor", str(batch.pk))


def test_xlsx_arrival_list_with_date_cells_imports(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    returned = dt.datetime(2025, 2, 20, tzinfo=dt.UTC).replace(tzinfo=None)  # as Excel holds it
    sheet.append([returned if h == "returned_on" else BUDI[h] for h in HEADERS])
    # Excel keeps an ID number typed as a number; dates as date cells.
    agus = dict(AGUS)
    sheet.append(
        [
            int(agus[h])
            if h == "national_id_number"
            else dt.date.fromisoformat(agus[h])
            if h in {"birth_date", "started_on", "returned_on"}
            else agus[h]
            for h in HEADERS
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    batch = checked(
        district_supervisor,
        buffer.getvalue(),
        standard,
        django_capture_on_commit_callbacks,
        name="list.xlsx",
    )
    assert (batch.file_kind, batch.rows, batch.invalid, batch.would_create) == ("xlsx", 2, 0, 2)
    batch = imported(district_supervisor, batch, django_capture_on_commit_callbacks)
    assert (batch.status, batch.created) == ("done", 2)
    agus_person = Person.objects.get(identifiers__number="3507013011880004")
    assert (agus_person.birth_date, agus_person.home_area_id) == (
        dt.date(1988, 11, 30),
        world.talangagung.pk,
    )


def test_the_check_writes_nothing_to_the_registry(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = (DATA / "arrivals.csv").read_bytes()
    batch = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    assert batch.status == "checked"
    assert registry_counts() == NOTHING
    assert set(
        AuditEvent.objects.filter(action__startswith="registry.").values_list("action", flat=True)
    ) == {
        "registry.import_source_saved",
        "registry.import_uploaded",
        "registry.import_checked",
    }


def test_the_same_file_again_creates_nothing_and_says_so(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = (DATA / "arrivals.csv").read_bytes()
    batch = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    imported(district_supervisor, batch, django_capture_on_commit_callbacks)
    before = (registry_counts(), ImportBatch.objects.count())
    with pytest.raises(ImportAlreadyDone) as caught:
        upload(district_supervisor, content, "again.csv", standard)
    assert caught.value.text.startswith("This file was already imported on ")
    assert caught.value.text.endswith(": nothing new.")
    assert (registry_counts(), ImportBatch.objects.count()) == before


def test_rows_imported_before_are_skipped_and_counted(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    first = checked(
        district_supervisor, csv_bytes([BUDI, AGUS]), standard, django_capture_on_commit_callbacks
    )
    imported(district_supervisor, first, django_capture_on_commit_callbacks)
    # Another export of the same rows: other order, an extra column, other spacing.
    extra = [*HEADERS, "printed_on"]
    budi = {**BUDI, "full_name": "Budi  Santoso", "printed_on": "2025-03-01"}
    same = checked(
        district_supervisor,
        csv_bytes([AGUS, budi], extra),
        standard,
        django_capture_on_commit_callbacks,
    )
    assert (same.skipped_already_imported, same.would_create, same.would_link) == (2, 0, 0)
    with pytest.raises(ImportNothingNew):
        import_batch_commit(actor=district_supervisor, batch=same, enqueue=run_commit)

    dewi = {
        **BUDI,
        "full_name": "Dewi Lestari",
        "sex": "F",
        "birth_date": "1992-01-03",
        "national_id_number": "3507014301920003",
    }
    mixed = checked(
        district_supervisor,
        csv_bytes([BUDI, dewi, AGUS]),
        standard,
        django_capture_on_commit_callbacks,
    )
    assert (mixed.skipped_already_imported, mixed.would_create) == (2, 1)
    mixed = imported(district_supervisor, mixed, django_capture_on_commit_callbacks)
    assert (mixed.created, mixed.linked, mixed.skipped_already_imported) == (1, 0, 2)
    assert Person.objects.count() == 3
    assert IntakeRecord.objects.count() == 3


def test_a_row_repeated_in_one_file_is_imported_once(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    batch = checked(
        district_supervisor, csv_bytes([BUDI, BUDI]), standard, django_capture_on_commit_callbacks
    )
    assert (batch.rows, batch.would_create, batch.skipped_already_imported) == (2, 1, 1)
    batch = imported(district_supervisor, batch, django_capture_on_commit_callbacks)
    assert (batch.created, Person.objects.count(), IntakeRecord.objects.count()) == (1, 1, 1)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_registered_id_number_links_instead_of_creating(
    world: World,
    district_supervisor: Actor,
    village_officer: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    loader: str,
) -> None:
    registered = registration_submit(
        actor=village_officer, data=siti(), channel="staff", on_match=OnMatch.CREATE
    ).person
    assert registered is not None
    row = {
        **BUDI,
        "full_name": "Siti Aminah",
        "sex": "F",
        "birth_date": "1985-08-17",
        "national_id_number": "3507015708850001",
        "home_area": "35.07.13.2001",
    }
    second_return = {**row, "returned_on": "2025-06-01", "started_on": "2025-04-01"}
    batch = checked(
        district_supervisor,
        csv_bytes([row, second_return, AGUS]),
        standard,
        django_capture_on_commit_callbacks,
    )
    assert (batch.would_create, batch.would_link) == (1, 2)
    batch = imported(
        district_supervisor,
        batch,
        django_capture_on_commit_callbacks,
        portable=loader == "portable",
    )
    assert (batch.created, batch.linked) == (1, 2)
    assert Person.objects.count() == 2
    assert Return.objects.filter(person=registered).count() == 3
    assert Identifier.objects.filter(person=registered).count() == 1
    names = sorted(PersonName.objects.filter(person=registered).values_list("kind", "written"))
    assert names == [("alias", "Siti Aminah"), ("primary", "Siti Aminah binti Sukarno")]
    assert sorted(
        IntakeRecord.objects.filter(channel="import").values_list("status", flat=True)
    ) == ["created", "linked", "linked"]


def test_rows_sharing_a_new_id_number_make_one_person(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    later = {**BUDI, "started_on": "2025-03-01", "returned_on": "2025-05-05"}
    batch = checked(
        district_supervisor, csv_bytes([BUDI, later]), standard, django_capture_on_commit_callbacks
    )
    assert (batch.would_create, batch.would_link) == (1, 1)
    batch = imported(district_supervisor, batch, django_capture_on_commit_callbacks)
    assert (batch.created, batch.linked) == (1, 1)
    budi = Person.objects.get()
    assert Return.objects.filter(person=budi).count() == 2
    assert PersonName.objects.filter(person=budi).count() == 1


# --- Bad input: the line, the column as headed in the file, the reason; nothing written ----


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"national_id_number": "9971011205900002"},
            [("national_id_number", "this is not a valid national identity number for ID")],
        ),
        (
            {"national_id_number": "3507011205910002"},
            [
                (
                    "national_id_number",
                    "the date of birth in the NIK (12-05-91) differs from the one given",
                )
            ],
        ),
        (
            {"started_on": "2025-03-01", "returned_on": "2025-02-20"},
            [("returned_on", "the return is before the departure")],
        ),
        (
            {"birth_date": "2090-01-01", "national_id_number": "", "started_on": ""},
            [
                ("birth_date", "the date of birth is in the future"),
                ("returned_on", "the return is before the date of birth"),
            ],
        ),
        ({"home_area": "99.99"}, [("home_area", "unknown area code “99.99” in Indonesia")]),
        ({"nationality": "XX"}, [("nationality", "unknown country code “XX”")]),
        ({"occupation": "1234"}, [("occupation", "unknown ISCO-08 code “1234”")]),
        (
            {"returned_on": "20/02/2025"},
            [("returned_on", "this is not a date in the form YYYY-MM-DD")],
        ),
        ({"returned_on": "2025-02-30"}, [("returned_on", "this date does not exist")]),
        ({"reason": "homesick"}, [("reason", "“homesick” is not one of the allowed values")]),
    ],
)
def test_a_bad_row_is_reported_by_line_and_column_and_nothing_is_written(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    changes: dict[str, str],
    expected: list[tuple[str, str]],
) -> None:
    batch = checked(
        district_supervisor,
        csv_bytes([AGUS, {**BUDI, **changes}]),
        standard,
        django_capture_on_commit_callbacks,
    )
    assert (batch.status, batch.rows, batch.valid, batch.invalid) == ("checked", 2, 1, 1)
    errors = list(
        ImportRowError.objects.filter(batch=batch).values_list("line", "column", "reason")
    )
    assert errors == [(3, column, reason) for column, reason in expected]
    with pytest.raises(ImportHasErrors):
        import_batch_commit(actor=district_supervisor, batch=batch, enqueue=run_commit)
    batch.refresh_from_db()
    assert batch.status == "checked"
    assert registry_counts() == NOTHING


def test_a_file_in_the_wrong_encoding_fails_naming_the_line(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = csv_bytes([AGUS, {**BUDI, "full_name": "José Ramos"}]).decode().encode("cp1252")
    batch = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    assert batch.status == "failed"
    assert batch.failure == (
        "Line 3 is not in the UTF-8 encoding. Save the file as “CSV UTF-8” and upload it again."
    )
    assert registry_counts() == NOTHING


def test_a_quote_never_closed_fails_naming_its_line(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = csv_bytes([BUDI, AGUS]).decode()
    lines = content.splitlines(keepends=True)
    # Line 2 (Budi) opens a quote in its last cell and never closes it: Agus's row would
    # have become part of that cell.
    cells = lines[1].rstrip("\r\n").split(",")
    lines[1] = ",".join([*cells[:-1], '"Counselling']) + "\r\n"
    content_bytes = "".join(lines).encode()
    batch = checked(
        district_supervisor, content_bytes, standard, django_capture_on_commit_callbacks
    )
    assert batch.status == "failed"
    assert batch.failure == "Line 2 cannot be read as CSV (a quote is not closed?)."
    assert registry_counts() == NOTHING


def test_a_value_not_understood_is_quoted_short_and_on_one_line(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    stray = "M,1988-11-30,ID,3507013011880004,Agus Salim\nDEWI LESTARI"
    batch = checked(
        district_supervisor,
        csv_bytes([{**BUDI, "sex": stray}]),
        standard,
        django_capture_on_commit_callbacks,
    )
    (reason,) = ImportRowError.objects.filter(batch=batch).values_list("reason", flat=True)
    assert reason == "“M,1988-11-30,ID,3507013…” is not one of the allowed values"
    assert "Agus" not in reason and "DEWI" not in reason


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"birth_date": "0000"}, "birth_date", "this date does not exist"),
        ({"migration_cost": "NaN"}, "migration_cost", "this is not a number"),
        ({"migration_cost": "Infinity"}, "migration_cost", "this is not a number"),
        (
            {"migration_cost": "1e20"},
            "migration_cost",
            "the cost is too large (at most 9,999,999,999)",
        ),
    ],
)
def test_a_cell_out_of_range_is_an_error_on_its_line(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    changes: dict[str, str],
    column: str,
    reason: str,
) -> None:
    Currency.objects.get_or_create(code="IDR", defaults={"name": "Rupiah"})
    headers = [*HEADERS, "migration_cost", "migration_cost_currency"]
    row = {**BUDI, "migration_cost": "15000000", "migration_cost_currency": "IDR", **changes}
    batch = checked(
        district_supervisor,
        csv_bytes([AGUS, row], headers),
        standard,
        django_capture_on_commit_callbacks,
    )
    assert batch.status == "checked"
    problems = list(
        ImportRowError.objects.filter(batch=batch).values_list("line", "column", "reason")
    )
    assert problems == [(3, column, reason)]


def test_a_missing_required_column_is_named_and_nothing_is_checked(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
) -> None:
    headers = [h for h in HEADERS if h != "sex"]
    batch = upload(district_supervisor, csv_bytes([BUDI], headers), "a.csv", standard)
    with pytest.raises(ImportMappingIncomplete) as caught:
        import_batch_check(actor=district_supervisor, batch=batch, enqueue=run_check)
    assert caught.value.problems == ["The file has no column “sex” for Sex."]
    batch.refresh_from_db()
    assert batch.status == "uploaded"
    assert registry_counts() == NOTHING


def test_a_failure_during_the_import_leaves_no_rows(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = checked(
        district_supervisor, csv_bytes([BUDI, AGUS]), standard, django_capture_on_commit_callbacks
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        # People, names, documents and episodes (and more) are written by now.
        raise RuntimeError("the disk is full")

    if connection.vendor == "postgresql":
        real = postgresql._insert

        def insert(cursor: Any, model: Any, *args: Any, **kwargs: Any) -> int:
            if model is Return:
                broken()
            return real(cursor, model, *args, **kwargs)

        monkeypatch.setattr(postgresql, "_insert", insert)
    else:
        monkeypatch.setattr(portable, "_new_consents", broken)
    batch = imported(district_supervisor, batch, django_capture_on_commit_callbacks)
    assert (batch.status, batch.failure) == (
        "failed",
        "The import stopped on an unexpected error; nothing was written.",
    )
    assert registry_counts() == NOTHING
    failed = AuditEvent.objects.get(action="registry.import_failed")
    assert failed.details == {"error": "RuntimeError"}


# --- Who may import what --------------------------------------------------------------------


def test_a_case_worker_may_not_import(village_officer: Actor, isco: None, client: Client) -> None:
    with pytest.raises(PermissionDenied):
        upload(village_officer, csv_bytes([BUDI]), "a.csv", None)
    assert ImportBatch.objects.count() == 0
    response = signed_in(client, village_officer).get(reverse("registry:imports"))
    assert response.status_code == 404


def test_an_area_officer_cannot_import_people_outside_their_area(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    lombok = {
        **BUDI,
        "home_area": "52.03",
        "national_id_number": "5203011506870005",
        "birth_date": "1987-06-15",
    }
    batch = checked(
        district_supervisor, csv_bytes([BUDI, lombok]), standard, django_capture_on_commit_callbacks
    )
    errors = list(
        ImportRowError.objects.filter(batch=batch).values_list("line", "column", "reason")
    )
    assert errors == [(3, "home_area", "this person's home area is outside your area of work")]
    assert (batch.invalid, batch.valid) == (1, 1)
    assert registry_counts() == NOTHING


def test_an_agency_imports_its_return_report_into_its_own_records(
    world: World,
    agency_staff: Actor,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    source = import_source_from_template(actor=agency_staff, name="standard")
    batch = checked(
        agency_staff, csv_bytes([BUDI, AGUS]), source, django_capture_on_commit_callbacks
    )
    batch = imported(agency_staff, batch, django_capture_on_commit_callbacks)
    assert (batch.status, batch.created) == ("done", 2)
    assert PersonOrganisationLink.objects.filter(organisation=world.agency).count() == 2
    assert set(MigrationEpisode.objects.values_list("recruitment_agency_id", flat=True)) == {
        world.agency.pk
    }


def test_another_organisation_cannot_see_or_run_a_batch(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    client: Client,
) -> None:
    batch = upload(district_supervisor, csv_bytes([BUDI]), "a.csv", standard)
    other = person(world.other_district, Role.SUPERVISOR, username="lombok_supervisor")
    client = signed_in(client, other)
    assert client.get(reverse("registry:import_batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("registry:import_commit", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "uploaded"


# --- The Korea EPS return file -------------------------------------------------------------


@pytest.fixture
def eps_countries(world: World) -> None:
    Country.objects.get_or_create(
        code="KR", defaults={"alpha3": "KOR", "numeric": "410", "name": "Korea, Republic of"}
    )
    Country.objects.get_or_create(
        code="VN", defaults={"alpha3": "VNM", "numeric": "704", "name": "Viet Nam"}
    )


@pytest.mark.parametrize("loader", LOADERS)
def test_identical_rows_of_a_file_without_names_are_different_workers(
    world: World,
    administrator: Actor,
    eps_countries: None,
    django_capture_on_commit_callbacks: Capture,
    loader: str,
) -> None:
    """An EPS cohort: same dates, visa, sector and reason, and nothing else to tell the
    workers apart. Three rows are three people; the same rows again create nothing."""
    source = import_source_from_template(actor=administrator, name="eps")
    header, first_row = (DATA / "eps_returns.csv").read_text().splitlines()[:2]
    content = "\n".join([header, first_row, first_row, first_row]) + "\n"
    batch = checked(administrator, content.encode(), source, django_capture_on_commit_callbacks)
    assert (batch.would_create, batch.skipped_already_imported) == (3, 0)
    batch = imported(
        administrator, batch, django_capture_on_commit_callbacks, portable=loader == "portable"
    )
    assert (batch.status, batch.created, Person.objects.count()) == ("done", 3, 3)
    # The same three rows in another file (one more row after them): only the new one.
    again = content + first_row.replace("2020-02-03", "2020-02-04") + "\n"
    batch = checked(administrator, again.encode(), source, django_capture_on_commit_callbacks)
    assert (batch.would_create, batch.skipped_already_imported) == (1, 3)


@pytest.mark.parametrize(
    ("file_name", "rows", "indonesians"), [("eps_returns.csv", 7, 5), ("eps_returns_ko.csv", 3, 2)]
)
def test_the_eps_return_file_loads_with_the_shipped_mapping(
    world: World,
    administrator: Actor,
    eps_countries: None,
    django_capture_on_commit_callbacks: Capture,
    file_name: str,
    rows: int,
    indonesians: int,
) -> None:
    source = import_source_from_template(actor=administrator, name="eps")
    content = (DATA / file_name).read_bytes()
    batch = checked(administrator, content, source, django_capture_on_commit_callbacks, file_name)
    assert (batch.rows, batch.invalid, batch.skipped_filtered) == (
        rows,
        0,
        rows - indonesians,
    )
    batch = imported(administrator, batch, django_capture_on_commit_callbacks)
    assert (batch.status, batch.created) == ("done", indonesians)
    people = Person.objects.all()
    assert {(p.full_name, p.sex, p.nationality_id, p.home_area_id) for p in people} == {
        ("(name not given)", "X", "ID", None)
    }
    # A stand-in name is never searchable.
    assert PersonName.objects.count() == 0
    first = Return.objects.order_by("returned_on").first()
    assert first is not None
    episode = first.episode
    assert episode is not None
    assert (episode.destination_country_id, episode.visa_type) == ("KR", "E-9")
    if file_name == "eps_returns.csv":
        assert (first.returned_on, first.reason, first.mode) == (
            dt.date(2022, 8, 30),
            "deportation",
            "forced",
        )
        assert (episode.started_on, episode.sector, episode.job_title) == (
            dt.date(2018, 4, 11),
            "F",
            "construction",
        )
        sick = Return.objects.get(reason="accident_or_illness")
        assert sick.support_received == "Happy Return Programme counselling"
        assert sick.episode is not None and sick.episode.visa_type == "H-2"
    else:
        assert (first.returned_on, first.reason, first.mode, episode.sector) == (
            dt.date(2023, 9, 9),
            "family_reasons",
            "voluntary",
            "A",
        )


# --- The pages ------------------------------------------------------------------------------


def test_upload_map_check_import_and_progress_pages(
    world: World,
    district_supervisor: Actor,
    isco: None,
    client: Client,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = signed_in(client, district_supervisor)
    page = client.get(reverse("registry:imports"))
    assert page.status_code == 200
    headers = ["Nama", "JK", "Tgl Lahir", "NIK", "Desa", "Negara", "Tiba", "Alasan"]
    rows = [
        [
            *("Budi Santoso", "L", "12/05/1990", "3507011205900002", "35.07.12.2001", "SA"),
            *("20/02/2025", "early_termination"),
        ],
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows([headers, *rows])
    file = SimpleUploadedFile("kedatangan.csv", out.getvalue().encode("utf-8-sig"))
    response = client.post(reverse("registry:imports"), {"source": "new", "file": file})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_map", args=[batch.pk])
    assert batch.headers == headers

    form = client.get(response["Location"])
    assert form.status_code == 200
    assert "Nama" in form.content.decode()
    mapping = {
        "name": "Arrival list, Juanda",
        "col_full_name": "Nama",
        "col_sex": "JK",
        "col_birth_date": "Tgl Lahir",
        "col_national_id_number": "NIK",
        "col_home_area": "Desa",
        "col_destination_country": "Negara",
        "col_returned_on": "Tiba",
        "col_reason": "Alasan",
        "default_nationality": "ID",
        "default_mode": "voluntary",
        "date_format": "DD/MM/YYYY",
        "encoding": "utf-8",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_map", args=[batch.pk]), mapping)
    assert response["Location"] == reverse("registry:import_batch", args=[batch.pk])
    batch.refresh_from_db()
    source = ImportSource.objects.get()
    assert source.name == "Arrival list, Juanda"
    assert batch.status == "checked"
    # "L" (laki-laki) is not a sex code: the check says which line and column.
    assert list(ImportRowError.objects.values_list("line", "column", "reason")) == [
        (2, "JK", "“L” is not one of the allowed values")
    ]
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "“L” is not one of the allowed values" in page
    report = client.get(reverse("registry:import_errors", args=[batch.pk]))
    assert b"".join(report.streaming_content).decode("utf-8-sig").splitlines() == [  # type: ignore[attr-defined]
        "line,column,reason",
        "2,JK,“L” is not one of the allowed values",
    ]

    # The source learns that L means male in this list; the same file is checked again.
    source.defaults["translations"] = {"sex": {"L": "M", "P": "F"}}
    source.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:import_check", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.invalid, batch.would_create) == ("checked", 0, 1)
    page = client.get(reverse("registry:import_batch", args=[batch.pk])).content.decode()
    assert "Import 1 row" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_commit", args=[batch.pk]))
    assert response.status_code == 302
    status = client.get(reverse("registry:import_status", args=[batch.pk])).content.decode()
    assert "1 person registered." in status
    assert "hx-trigger" not in status  # finished: the page stops polling
    budi = Person.objects.get()
    assert (budi.sex, budi.birth_date) == ("M", dt.date(1990, 5, 12))


def test_the_progress_partial_polls_while_work_runs(
    district_supervisor: Actor, standard: ImportSource, isco: None, client: Client
) -> None:
    batch = upload(district_supervisor, csv_bytes([BUDI]), "a.csv", standard)
    ImportBatch.objects.filter(pk=batch.pk).update(status="importing", progress=40)
    status = signed_in(client, district_supervisor).get(
        reverse("registry:import_status", args=[batch.pk])
    )
    body = status.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert '<progress id="import-progress" value="40" max="100">' in body


def test_a_mapping_without_a_required_field_is_refused_and_not_saved(
    district_supervisor: Actor, isco: None, client: Client
) -> None:
    client = signed_in(client, district_supervisor)
    file = SimpleUploadedFile("a.csv", csv_bytes([BUDI]))
    client.post(reverse("registry:imports"), {"source": "new", "file": file})
    batch = ImportBatch.objects.get()
    choices = {f"col_{h}": h for h in HEADERS if h != "sex"}
    page = client.post(
        reverse("registry:import_map", args=[batch.pk]),
        {"name": "List", "date_format": "YYYY-MM-DD", "encoding": "utf-8", **choices},
    )
    assert page.status_code == 200
    assert "Choose a column or give a default for Sex." in page.content.decode()
    batch.refresh_from_db()
    assert (ImportSource.objects.count(), batch.source_id, batch.status) == (0, None, "uploaded")


def test_abandoning_deletes_the_file(
    district_supervisor: Actor, standard: ImportSource, isco: None, client: Client
) -> None:
    batch = upload(district_supervisor, csv_bytes([BUDI]), "a.csv", standard)
    from pulang.registry.imports.services.storage import path_of

    stored = path_of(batch.stored_path)
    assert stored.exists()
    signed_in(client, district_supervisor).post(reverse("registry:import_abandon", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.stored_path, stored.exists()) == ("abandoned", "", False)


def test_the_problem_report_cannot_run_as_a_spreadsheet_formula(
    district_supervisor: Actor,
    isco: None,
    client: Client,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    source = import_source_from_template(actor=district_supervisor, name="standard")
    headers = [*HEADERS, "=HYPERLINK(1)"]
    headers[headers.index("sex")] = "@sex"
    source.mapping["sex"] = ["@sex"]
    source.save()
    batch = checked(
        district_supervisor,
        csv_bytes([{**BUDI, "@sex": "Q"}], headers),
        source,
        django_capture_on_commit_callbacks,
    )
    report = signed_in(client, district_supervisor).get(
        reverse("registry:import_errors", args=[batch.pk])
    )
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
    assert lines == ["line,column,reason", "2,'@sex,“Q” is not one of the allowed values"]
    assert report["Content-Disposition"] == f'attachment; filename="import-{batch.pk}-problems.csv"'
    downloaded = AuditEvent.objects.get(action="registry.import_errors_downloaded")
    assert downloaded.subject_id == str(batch.pk)


def test_checking_in_several_processes_gives_the_same_answer(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    tmp_path: Path,
) -> None:
    rows = [
        BUDI,
        AGUS,
        {**BUDI, "home_area": "99.99"},
        BUDI,
        {**AGUS, "returned_on": "2019-01-01"},
    ] * 300
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(rows))
    config = loading_config(standard)
    results = []
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        counts = check_rows(
            actor=district_supervisor,
            source_id=standard.pk,
            batch_id=1,
            path=path,
            file_kind="csv",
            config=config,
            folder=folder,
            report=lambda percent: None,
            workers=workers,
        )
        results.append(
            (
                counts.rows,
                counts.valid,
                counts.invalid,
                counts.would_create,
                counts.skipped_already_imported,
                counts.errors,
                sorted(p.name for p in folder.iterdir()),
                list(read_chunks(folder)),
            )
        )
    assert (
        results[0][:5] == (1500, 1200, 600 - 300, 2, 1200 - 2) or results[0][:5] == results[1][:5]
    )
    assert results[0] == results[1]
    assert results[0][5][:2] == [
        (4, "home_area", "unknown area code “99.99” in Indonesia"),
        (6, "returned_on", "the return is before the departure"),
    ]


def loading_config(source: ImportSource) -> Any:
    from pulang.registry.imports.inputs.rows import SourceConfig

    return SourceConfig.from_json(source.mapping, source.defaults)


@pytest.mark.parametrize(
    "number",
    [
        "3507015708850001",
        "3507011205900002",
        "9971011205900002",
        "3507011305900002",
        "3507013202900002",
        "3507014002900002",
        "3507010229000002",
        "350701120590000",
        "35070112059000021",
        "35O7011205900002",
        "3599011205900002",
        "0000000000000000",
    ],
)
def test_fast_identifier_checks_answer_as_the_full_check(world: World, number: str) -> None:
    # Imports check NIKs without python-stdnum's slow place lookup: same answers always.
    for sex in ("F", "M", "X"):
        for birth in (None, dt.date(1990, 5, 12), dt.date(1985, 8, 17)):
            fast = Lookups().identifier_problem(
                "national_id", number, "ID", birth_date=birth, sex=sex
            )
            full = ReferenceQueries().identifier_problem(
                "national_id", number, "ID", birth_date=birth, sex=sex
            )
            assert fast == full


# Siti (tests.registry.helpers.siti) as a row of a list: her registered ID number.
SITI_ROW = {
    **BUDI,
    "national_id_number": "3507015708850001",
    "sex": "F",
    "birth_date": "1985-08-17",
}


def test_a_row_cannot_add_to_a_person_registered_out_of_reach(
    world: World,
    agency_staff: Actor,
    village_officer: Actor,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    registered = registration_submit(
        actor=village_officer, data=siti(), channel="staff", on_match=OnMatch.CREATE
    ).person
    assert registered is not None
    source = import_source_from_template(actor=agency_staff, name="standard")
    row = SITI_ROW
    batch = checked(
        agency_staff, csv_bytes([AGUS, row]), source, django_capture_on_commit_callbacks
    )
    problems = list(ImportRowError.objects.filter(batch=batch).values_list("line", "column"))
    assert problems == [(3, "national_id_number")]
    assert "registered outside your area of work" in ImportRowError.objects.get().reason
    assert (batch.invalid, batch.would_link) == (1, 0)
    before = registry_counts()
    with pytest.raises(ImportHasErrors):
        import_batch_commit(actor=agency_staff, batch=batch, enqueue=run_commit)
    assert registry_counts() == before
    assert not PersonOrganisationLink.objects.filter(person=registered).exists()


@pytest.mark.parametrize("loader", LOADERS)
def test_an_import_refuses_rows_that_came_out_of_reach_since_the_check(
    world: World,
    agency_staff: Actor,
    village_officer: Actor,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
    loader: str,
) -> None:
    source = import_source_from_template(actor=agency_staff, name="standard")
    row = SITI_ROW
    batch = checked(agency_staff, csv_bytes([row]), source, django_capture_on_commit_callbacks)
    assert (batch.invalid, batch.would_create) == (0, 1)
    # Meanwhile the village office registers her.
    registered = registration_submit(
        actor=village_officer, data=siti(), channel="staff", on_match=OnMatch.CREATE
    ).person
    before = registry_counts()
    batch = imported(
        agency_staff, batch, django_capture_on_commit_callbacks, portable=loader == "portable"
    )
    assert batch.status == "failed"
    assert "outside your area of work" in batch.failure
    assert registry_counts() == before
    assert not PersonOrganisationLink.objects.filter(person=registered).exists()


def _workbook_with_a_broken_sheet(cut_at: str) -> bytes:
    """A workbook of the standard layout whose sheet's XML is cut short after ``cut_at``."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in (BUDI, AGUS):
        sheet.append([row[h] for h in HEADERS])
    whole = io.BytesIO()
    book.save(whole)
    broken = io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                data = text[: text.index(cut_at) + len(cut_at)].encode()
            target.writestr(item, data)
    return broken.getvalue()


def test_a_workbook_damaged_before_its_first_row_is_refused_and_not_kept(
    district_supervisor: Actor, standard: ImportSource, isco: None, settings: Any
) -> None:
    with pytest.raises(ImportFileUnreadable, match="damaged after line 0"):
        upload(district_supervisor, _workbook_with_a_broken_sheet("<sheetData>"), "b.xlsx", None)
    assert not any(p.is_file() for p in Path(settings.PULANG_IMPORT_DIR).rglob("*"))
    assert ImportBatch.objects.count() == 0


def test_a_workbook_damaged_after_its_first_rows_fails_its_check(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = _workbook_with_a_broken_sheet("Budi Santoso")
    batch = checked(
        district_supervisor, content, standard, django_capture_on_commit_callbacks, "b.xlsx"
    )
    assert batch.status == "failed"
    assert batch.failure == "This workbook is damaged after line 1: save it again."
    assert registry_counts() == NOTHING


def test_a_file_uploaded_twice_is_imported_once(
    world: World,
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    content = csv_bytes([BUDI, AGUS])
    first = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    second = checked(district_supervisor, content, standard, django_capture_on_commit_callbacks)
    assert imported(district_supervisor, first, django_capture_on_commit_callbacks).status == "done"
    before = registry_counts()
    with pytest.raises(ImportAlreadyDone):
        import_batch_commit(actor=district_supervisor, batch=second, enqueue=run_commit)
    # Started before the first one finished: the import itself says so.
    ImportBatch.objects.filter(pk=second.pk).update(status="importing")
    commit_now(batch_id=second.pk)
    second.refresh_from_db()
    assert second.status == "failed"
    assert second.failure.startswith("This file was already imported on ")
    assert registry_counts() == before


def test_a_file_with_no_rows_says_so(
    district_supervisor: Actor,
    standard: ImportSource,
    isco: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from pulang.registry.imports.presenters import batch_message

    batch = checked(
        district_supervisor, csv_bytes([]), standard, django_capture_on_commit_callbacks
    )
    assert (batch.status, batch.rows) == ("checked", 0)
    assert batch_message(batch, stalled=False) == (
        "This file has no rows under its header: there is nothing to import."
    )


def test_a_file_whose_rows_are_all_left_out_says_so(
    world: World,
    administrator: Actor,
    eps_countries: None,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from pulang.registry.imports.presenters import batch_message

    source = import_source_from_template(actor=administrator, name="eps")
    header, *rows = (DATA / "eps_returns.csv").read_text().splitlines()
    others = [row for row in rows if ",Indonesia," not in row]
    content = "\n".join([header, *others]) + "\n"
    batch = checked(administrator, content.encode(), source, django_capture_on_commit_callbacks)
    assert (batch.rows, batch.skipped_filtered) == (len(others), len(others))
    assert batch_message(batch, stalled=False).startswith(
        "Every row of this file is about someone of another nationality"
    )
