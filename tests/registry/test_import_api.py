"""Bulk imports through the API: every endpoint, every permission rule with the persona who
may and the one who may not (nothing changes on a refusal), bad input by field and line,
idempotency, and a commit that really runs the background task."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from pulang.accounts.services import api_token_create
from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.imports.errors import ImportNothingNew
from pulang.registry.imports.models import ImportBatch, ImportSource
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
from tests.factories import World, person
from tests.registry.helpers import occupation
from tests.registry.import_rows import AGUS, BUDI, HEADERS, csv_bytes

DATA = Path(__file__).parent / "data"
API = "/api/v1/registry/imports"
PROBLEM = "application/problem+json"
Capture = Callable[..., Any]
DEWI = {
    **BUDI,
    "full_name": "Dewi Lestari",
    "sex": "F",
    "birth_date": "1992-01-03",
    "national_id_number": "3507014301920003",
}
MAPPING = {
    "full_name": "Nama",
    "sex": "JK",
    "birth_date": "Tgl Lahir",
    "national_id_number": "NIK",
    "home_area": "Desa",
    "returned_on": ["Tiba", "Tanggal tiba"],
    "reason": "Alasan",
}
DEFAULTS = {
    "values": {"nationality": "ID", "mode": "voluntary"},
    "date_format": "DD/MM/YYYY",
    "translations": {"sex": {"L": "M", "P": "F"}},
}


def auth(actor: Actor) -> dict[str, str]:
    _, secret = api_token_create(actor=None, membership=actor.membership, name="feed")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def registry_counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Person, PersonName, Identifier, MigrationEpisode, Return, IntakeRecord, Consent)
    )


NOTHING = (0, 0, 0, 0, 0, 0, 0)


@pytest.fixture(autouse=True)
def imports_setup(settings: Any, tmp_path: Path, db: None) -> Iterator[None]:
    settings.PULANG_IMPORT_DIR = str(tmp_path / "imports")
    # The tasks run in the process, when the request's transaction commits.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    occupation()
    yield


def stored_uploads(settings: Any) -> list[str]:
    root = Path(settings.PULANG_IMPORT_DIR)
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


class Api:
    """The import API as one organisation's system calls it."""

    def __init__(self, client: Client, actor: Actor, capture: Capture) -> None:
        self.client = client
        self.headers = auth(actor)
        self.capture = capture

    def get(self, path: str, **extra: str) -> Any:
        return self.client.get(f"{API}{path}", **self.headers, **extra)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        with self.capture(execute=True):
            return self.client.post(
                f"{API}{path}", body or {}, content_type="application/json", **self.headers
            )

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(
            f"{API}{path}", body, content_type="application/json", **self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{API}{path}", **self.headers)

    def upload(self, content: bytes, name: str = "list.csv", **form: Any) -> Any:
        with self.capture(execute=True):
            return self.client.post(
                f"{API}/batches",
                {"file": SimpleUploadedFile(name, content), **form},
                **self.headers,
            )

    def checked(self, content: bytes, name: str = "list.csv", **form: Any) -> dict[str, Any]:
        accepted = self.upload(content, name, **form)
        assert accepted.status_code == 202, accepted.json()
        status = self.get(f"/batches/{accepted.json()['id']}")
        assert status.status_code == 200
        return status.json()  # type: ignore[no-any-return]


@pytest.fixture
def supervisor_api(
    client: Client, district_supervisor: Actor, django_capture_on_commit_callbacks: Capture
) -> Api:
    return Api(client, district_supervisor, django_capture_on_commit_callbacks)


@pytest.fixture
def lombok_supervisor(world: World) -> Actor:
    """A supervisor of another district office: may import, but not this office's files."""
    return person(world.other_district, Role.SUPERVISOR, username="lombok_supervisor")


# --- Upload, check, import, status -----------------------------------------------------------


def test_upload_check_commit_and_status_run_the_tasks(
    world: World, district_supervisor: Actor, supervisor_api: Api
) -> None:
    accepted = supervisor_api.upload((DATA / "arrivals.csv").read_bytes(), template="standard")
    assert accepted.status_code == 202
    body = accepted.json()
    batch_id = body["id"]
    assert (body["status"], body["file_name"], body["file_kind"]) == (
        "checking",
        "list.csv",
        "csv",
    )
    assert body["status_url"] == f"{API}/batches/{batch_id}"
    assert accepted["Location"] == body["status_url"]
    source = ImportSource.objects.get()
    assert (source.template, body["source_id"]) == ("standard", source.pk)

    # The check ran as a task when the request committed: a dry run, nothing written.
    checked = supervisor_api.get(f"/batches/{batch_id}").json()
    assert (checked["status"], checked["progress"], checked["stalled"]) == ("checked", 100, False)
    assert checked["counts"] == {
        "rows": 3,
        "valid": 3,
        "invalid": 0,
        "would_create": 3,
        "would_link": 0,
        "created": 0,
        "linked": 0,
        "skipped_already_imported": 0,
        "skipped_filtered": 0,
    }
    assert (checked["rows_total"], checked["rows_done"]) == (3, 3)
    assert (checked["errors"], checked["errors_total"], checked["errors_url"]) == ([], 0, None)
    assert checked["message"] == "3 rows are ready to import."
    assert registry_counts() == NOTHING

    committed = supervisor_api.post(f"/batches/{batch_id}/commit")
    assert committed.status_code == 202
    assert committed.json()["status"] == "importing"
    assert committed["Location"] == f"{API}/batches/{batch_id}"

    done = supervisor_api.get(f"/batches/{batch_id}").json()
    assert (done["status"], done["status_label"], done["progress"]) == ("done", "Imported", 100)
    assert (done["rows_total"], done["rows_done"]) == (3, 3)
    assert (done["counts"]["created"], done["counts"]["linked"]) == (3, 0)
    assert done["message"] == ("3 people registered. 0 reports added to people already registered.")
    assert registry_counts() == (3, 3, 3, 3, 3, 3, 3)
    event = AuditEvent.objects.get(action="registry.import_committed")
    assert (event.subject_id, event.channel, event.details["created"]) == (
        str(batch_id),
        "task",
        3,
    )
    # The file is deleted once imported.
    assert ImportBatch.objects.get(pk=batch_id).stored_path == ""


def test_the_batch_list_is_newest_first_with_a_fixed_number_of_queries(
    supervisor_api: Api, django_assert_num_queries: Callable[..., Any]
) -> None:
    first = supervisor_api.upload(csv_bytes([BUDI]), template="standard").json()["id"]
    supervisor_api.get("/batches")  # the token is used once before counting
    with django_assert_num_queries(2):
        one = supervisor_api.get("/batches")
    second = supervisor_api.upload(csv_bytes([AGUS]), template="standard").json()["id"]
    third = supervisor_api.upload(csv_bytes([DEWI]), template="standard").json()["id"]
    with django_assert_num_queries(2):  # the token, then the batches with their sources
        three = supervisor_api.get("/batches")
    assert [b["id"] for b in one.json()] == [first]
    assert [b["id"] for b in three.json()] == [third, second, first]
    assert [b["status"] for b in three.json()] == ["checked"] * 3
    assert [b["id"] for b in supervisor_api.get("/batches?limit=1").json()] == [third]


# --- Idempotency: the same file, the same rows -------------------------------------------


def test_the_same_file_again_creates_nothing_and_says_when(supervisor_api: Api) -> None:
    content = csv_bytes([BUDI, AGUS])
    batch = supervisor_api.checked(content, template="standard")
    supervisor_api.post(f"/batches/{batch['id']}/commit")
    before = (registry_counts(), ImportBatch.objects.count(), AuditEvent.objects.count())

    again = supervisor_api.upload(content, "again.csv", template="standard")
    assert again.status_code == 409
    assert again["Content-Type"] == PROBLEM
    problem = again.json()
    assert problem["code"] == "registry.import_already_done"
    assert problem["title"].startswith("This file was already imported on ")
    assert problem["title"].endswith(": nothing new.")
    assert (registry_counts(), ImportBatch.objects.count(), AuditEvent.objects.count()) == before


def test_rows_imported_before_are_left_out_and_said_so(supervisor_api: Api) -> None:
    first = supervisor_api.checked(csv_bytes([BUDI, AGUS]), template="standard")
    supervisor_api.post(f"/batches/{first['id']}/commit")

    mixed = supervisor_api.checked(csv_bytes([AGUS, DEWI, BUDI]), template="standard")
    assert (mixed["counts"]["would_create"], mixed["counts"]["skipped_already_imported"]) == (1, 2)
    assert mixed["message"] == (
        "1 row is ready to import. 2 rows were imported before and are left out."
    )

    same_rows = supervisor_api.checked(
        csv_bytes([BUDI, AGUS], [*HEADERS, "note"]), template="standard"
    )
    assert same_rows["message"] == (
        "Every row of this file was imported before: there is nothing new to import."
    )
    before = registry_counts()
    refused = supervisor_api.post(f"/batches/{same_rows['id']}/commit")
    assert (refused.status_code, refused.json()["code"]) == (409, "registry.import_nothing_new")
    assert supervisor_api.get(f"/batches/{same_rows['id']}").json()["status"] == "checked"

    supervisor_api.post(f"/batches/{mixed['id']}/commit")
    done = supervisor_api.get(f"/batches/{mixed['id']}").json()
    assert done["message"] == (
        "1 person registered. 0 reports added to people already registered. "
        "2 rows were imported before and are left out."
    )
    assert registry_counts()[0] == before[0] + 1


def test_messages_come_in_the_callers_language(supervisor_api: Api) -> None:
    content = csv_bytes([BUDI])
    first = supervisor_api.checked(content, template="standard")
    supervisor_api.post(f"/batches/{first['id']}/commit")
    again = supervisor_api.checked(csv_bytes([BUDI], [*HEADERS, "note"]), template="standard")
    # (The override puts back the language the request's middleware activates.)
    with translation.override("en"):
        refused = supervisor_api.client.post(
            f"{API}/batches/{again['id']}/commit",
            **supervisor_api.headers,
            HTTP_ACCEPT_LANGUAGE="id",
        )
    with translation.override("id"):
        expected = ImportNothingNew().text
    with translation.override("en"):
        assert expected != ImportNothingNew().text  # the catalogue translates it
    assert (refused.status_code, refused.json()["title"]) == (409, expected)


# --- Bad input: the specific error, by field and line; nothing kept -----------------------


def test_a_row_error_is_reported_by_line_and_column_and_as_csv(
    supervisor_api: Api,
) -> None:
    lombok = {**BUDI, "home_area": "52.03", "national_id_number": "", "birth_date": "1987-06-15"}
    bad_date = {**DEWI, "returned_on": "2025-02-30"}
    batch = supervisor_api.checked(csv_bytes([AGUS, lombok, bad_date]), template="standard")
    assert (batch["status"], batch["counts"]["valid"], batch["counts"]["invalid"]) == (
        "checked",
        1,
        2,
    )
    assert batch["errors"] == [
        {
            "line": 3,
            "column": "home_area",
            "reason": "this person's home area is outside your area of work",
        },
        {"line": 4, "column": "returned_on", "reason": "this date does not exist"},
    ]
    assert batch["message"] == (
        "2 rows have errors. Correct the file and upload it again: nothing is imported "
        "while a row has errors."
    )
    assert batch["errors_url"] == f"{API}/batches/{batch['id']}/errors.csv"

    report = supervisor_api.get(f"/batches/{batch['id']}/errors.csv")
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert report["Content-Disposition"] == (
        f'attachment; filename="import-{batch["id"]}-problems.csv"'
    )
    assert b"".join(report.streaming_content).decode("utf-8-sig").splitlines() == [
        "line,column,reason",
        "3,home_area,this person's home area is outside your area of work",
        "4,returned_on,this date does not exist",
    ]
    assert AuditEvent.objects.get(action="registry.import_errors_downloaded").subject_id == str(
        batch["id"]
    )

    refused = supervisor_api.post(f"/batches/{batch['id']}/commit")
    assert (refused.status_code, refused.json()["code"]) == (422, "registry.import_has_errors")
    assert refused.json()["title"] == (
        "2 rows have errors. Correct them in the file and upload it again: "
        "nothing has been imported."
    )
    assert supervisor_api.get(f"/batches/{batch['id']}").json()["status"] == "checked"
    assert registry_counts() == NOTHING


def test_a_file_in_the_wrong_encoding_fails_naming_the_line_then_checks_with_the_right_one(
    supervisor_api: Api,
) -> None:
    source = supervisor_api.post(
        "/sources", {"name": "Juanda list", "mapping": MAPPING, "defaults": DEFAULTS}
    )
    assert source.status_code == 201
    rows = [
        ["Nama", "JK", "Tgl Lahir", "NIK", "Desa", "Tiba", "Alasan"],
        [
            "Agus Salim",
            "L",
            "30/11/1988",
            "3507013011880004",
            "35.07.13.2001",
            "20/02/2025",
            "end_of_contract",
        ],
        ["José Ramos", "L", "12/05/1990", "", "35.07.12.2001", "21/02/2025", "end_of_contract"],
    ]
    content = "".join(",".join(r) + "\n" for r in rows).encode("cp1252")
    failed = supervisor_api.checked(content, source=source.json()["id"])
    message = (
        "Line 3 is not in the UTF-8 encoding. Save the file as “CSV UTF-8” and upload it again."
    )
    assert (failed["status"], failed["failure"], failed["message"]) == ("failed", message, message)
    assert registry_counts() == NOTHING

    # The sender's files are Windows-1252: say so in the source, and check the file again.
    changed = supervisor_api.put(
        f"/sources/{source.json()['id']}",
        {"name": "Juanda list", "mapping": MAPPING, "defaults": {**DEFAULTS, "encoding": "cp1252"}},
    )
    assert (changed.status_code, changed.json()["defaults"]["encoding"]) == (200, "cp1252")
    again = supervisor_api.post(f"/batches/{failed['id']}/check")
    assert (again.status_code, again.json()["status"]) == (202, "checking")
    checked = supervisor_api.get(f"/batches/{failed['id']}").json()
    assert (checked["status"], checked["counts"]["invalid"], checked["counts"]["would_create"]) == (
        "checked",
        0,
        2,
    )


def test_a_header_line_in_the_wrong_encoding_is_refused_at_upload(
    supervisor_api: Api, settings: Any
) -> None:
    content = csv_bytes([BUDI], [*HEADERS, "Catatan é"]).decode().encode("cp1252")
    refused = supervisor_api.upload(content, template="standard")
    assert (refused.status_code, refused.json()["code"]) == (422, "registry.import_file_unreadable")
    message = (
        "Line 1 is not in the UTF-8 encoding. Save the file as “CSV UTF-8” and upload it again."
    )
    assert refused.json()["title"] == message
    assert refused.json()["errors"] == [{"field": "file", "line": 1, "reason": message}]
    assert (ImportBatch.objects.count(), stored_uploads(settings)) == (0, [])


def test_a_missing_required_column_is_refused_by_field_and_nothing_is_kept(
    supervisor_api: Api, settings: Any
) -> None:
    headers = [h for h in HEADERS if h not in {"sex", "returned_on"}]
    refused = supervisor_api.upload(csv_bytes([BUDI], headers), template="standard")
    assert refused.status_code == 422
    assert refused.json()["code"] == "registry.import_mapping_incomplete"
    assert refused.json()["errors"] == [
        {"field": "sex", "reason": "The file has no column “sex” for Sex."},
        {
            "field": "returned_on",
            "reason": "The file has no column “returned_on” for Date of return.",
        },
    ]
    assert (ImportBatch.objects.count(), stored_uploads(settings)) == (0, [])
    assert not AuditEvent.objects.filter(action="registry.import_uploaded").exists()


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"source": 999}, "source", "Choose one of the listed sources."),
        ({"template": "nope"}, "template", "“nope” is not one of the templates standard, eps"),
        ({}, "source", "Choose how to read the file: one of your sources or a template."),
    ],
)
def test_an_unknown_source_is_an_error_on_its_field(
    supervisor_api: Api, settings: Any, form: dict[str, Any], field: str, reason: str
) -> None:
    refused = supervisor_api.upload(csv_bytes([BUDI]), **form)
    assert (refused.status_code, refused.json()["code"]) == (422, "pulang.invalid_input")
    assert refused.json()["errors"] == [{"field": field, "reason": reason}]
    assert (ImportBatch.objects.count(), ImportSource.objects.count()) == (0, 0)
    assert stored_uploads(settings) == []


def test_a_file_that_is_not_csv_or_xlsx_or_no_file_is_refused(supervisor_api: Api) -> None:
    wrong = supervisor_api.upload(b"%PDF-1.4", "list.pdf", template="standard")
    assert (wrong.status_code, wrong.json()["errors"]) == (
        422,
        [{"field": "file", "reason": "Upload a .csv or .xlsx file."}],
    )
    with supervisor_api.capture(execute=True):
        missing = supervisor_api.client.post(
            f"{API}/batches", {"template": "standard"}, **supervisor_api.headers
        )
    assert (missing.status_code, missing.json()["code"]) == (422, "pulang.invalid_input")
    assert [e["field"] for e in missing.json()["errors"]] == ["file.file"]
    assert ImportBatch.objects.count() == 0


# --- Sources ----------------------------------------------------------------------------------


def test_sources_and_templates_are_listed_created_and_changed(
    supervisor_api: Api, django_assert_num_queries: Callable[..., Any]
) -> None:
    templates = supervisor_api.get("/templates").json()
    assert [t["name"] for t in templates] == ["standard", "eps"]
    assert supervisor_api.get("/sources").json() == []

    created = supervisor_api.post(
        "/sources", {"name": "Juanda list", "mapping": MAPPING, "defaults": DEFAULTS}
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["file_kind"], body["template"], body["mapping"]) == (
        "Juanda list",
        "csv",
        "",
        MAPPING,
    )
    assert body["defaults"]["translations"] == {"sex": {"L": "M", "P": "F"}}
    saved = AuditEvent.objects.get(action="registry.import_source_saved")
    assert saved.subject_id == str(body["id"])

    changed = supervisor_api.put(
        f"/sources/{body['id']}",
        {"name": "Juanda arrivals", "mapping": {**MAPPING, "phone": "HP"}, "defaults": DEFAULTS},
    )
    assert (changed.status_code, changed.json()["name"], changed.json()["mapping"]["phone"]) == (
        200,
        "Juanda arrivals",
        "HP",
    )
    supervisor_api.post("/sources", {"name": "EPS", "mapping": MAPPING, "defaults": DEFAULTS})
    with django_assert_num_queries(2):  # the token, then the sources
        listed = supervisor_api.get("/sources").json()
    assert [s["name"] for s in listed] == ["EPS", "Juanda arrivals"]

    # A source read from a mapping that fits: the Indonesian headers and words are read.
    content = (
        "Nama;JK;Tgl Lahir;NIK;Desa;Tiba;Alasan;HP\n"
        "Budi Santoso;L;12/05/1990;3507011205900002;35.07.12.2001;20/02/2025;early_termination;\n"
    )
    batch = supervisor_api.checked(content.encode(), source=body["id"])
    assert (batch["status"], batch["counts"]["would_create"], batch["errors"]) == ("checked", 1, [])


def test_a_bad_source_is_refused_by_field_and_not_saved(supervisor_api: Api) -> None:
    refused = supervisor_api.post(
        "/sources",
        {
            "name": " ",
            "file_kind": "pdf",
            "mapping": {"shoe_size": "Size", "sex": "JK"},
            "defaults": {
                "values": {"mode": "by boat", "nationality": "ZZ"},
                "date_format": "D/M/Y",
                "encoding": "ebcdic",
                "translations": {"hat": {"x": "y"}},
                "nationality_filter": "mine",
            },
        },
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "pulang.invalid_input")
    assert [e["field"] for e in refused.json()["errors"]] == [
        "name",
        "file_kind",
        "shoe_size",
        "mode",
        "nationality",
        "date_format",
        "encoding",
        "nationality_filter",
        "translations.hat",
    ]
    assert ImportSource.objects.count() == 0
    ok = supervisor_api.post("/sources", {"name": "List", "mapping": MAPPING})
    duplicate = supervisor_api.post("/sources", {"name": "List", "mapping": MAPPING})
    assert ok.status_code == 201
    assert duplicate.json()["errors"] == [
        {"field": "name", "reason": "another source already has this name"}
    ]
    assert ImportSource.objects.count() == 1


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["village_officer", "consular_officer", "analyst"])
def test_roles_that_do_not_import_are_refused_everything(
    request: pytest.FixtureRequest,
    client: Client,
    django_capture_on_commit_callbacks: Capture,
    supervisor_api: Api,
    settings: Any,
    persona: str,
) -> None:
    batch = supervisor_api.checked(csv_bytes([BUDI]), template="standard")
    source_id = batch["source_id"]
    before = (
        ImportSource.objects.count(),
        ImportBatch.objects.count(),
        stored_uploads(settings),
        registry_counts(),
    )
    actor: Actor = request.getfixturevalue(persona)
    other = Api(client, actor, django_capture_on_commit_callbacks)
    for path in ("/templates", "/sources", "/batches"):
        response = other.get(path)
        assert (response.status_code, response.json()["code"]) == (403, "pulang.permission_denied")
    assert other.post("/sources", {"name": "Mine", "mapping": MAPPING}).status_code == 403
    assert other.upload(csv_bytes([AGUS]), template="standard").status_code == 403
    # Another organisation's (here: any) batch and source are "not found".
    assert other.get(f"/batches/{batch['id']}").status_code == 404
    assert other.post(f"/batches/{batch['id']}/commit").status_code == 404
    assert (
        other.put(f"/sources/{source_id}", {"name": "Mine", "mapping": MAPPING}).status_code == 404
    )
    assert (
        ImportSource.objects.count(),
        ImportBatch.objects.count(),
        stored_uploads(settings),
        registry_counts(),
    ) == before
    assert ImportBatch.objects.get(pk=batch["id"]).status == "checked"


def test_another_office_cannot_see_run_or_read_a_batch(
    client: Client,
    django_capture_on_commit_callbacks: Capture,
    supervisor_api: Api,
    lombok_supervisor: Actor,
) -> None:
    lombok = {**BUDI, "home_area": "52.03", "national_id_number": "", "birth_date": "1987-06-15"}
    batch = supervisor_api.checked(csv_bytes([AGUS, lombok]), template="standard")
    source = ImportSource.objects.get()
    source_before = (source.name, source.mapping, source.updated_at)
    other = Api(client, lombok_supervisor, django_capture_on_commit_callbacks)
    denied_before = AuditEvent.objects.filter(action="access.denied").count()
    for response in (
        other.get(f"/batches/{batch['id']}"),
        other.get(f"/batches/{batch['id']}/errors.csv"),
        other.post(f"/batches/{batch['id']}/check"),
        other.post(f"/batches/{batch['id']}/commit"),
        other.delete(f"/batches/{batch['id']}"),
        other.put(f"/sources/{source.pk}", {"name": "Taken", "mapping": MAPPING}),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "pulang.not_found")
    # Their own lists hold nothing of the other office.
    assert (other.get("/batches").json(), other.get("/sources").json()) == ([], [])
    refused = other.upload(csv_bytes([BUDI]), source=source.pk)
    assert refused.json()["errors"] == [
        {"field": "source", "reason": "Choose one of the listed sources."}
    ]
    assert AuditEvent.objects.filter(action="access.denied").count() == denied_before + 7
    source.refresh_from_db()
    assert (source.name, source.mapping, source.updated_at) == source_before
    stored = ImportBatch.objects.get(pk=batch["id"])
    assert (stored.status, stored.stored_path != "", ImportBatch.objects.count()) == (
        "checked",
        True,
        1,
    )
    assert not AuditEvent.objects.filter(action="registry.import_errors_downloaded").exists()


def test_an_office_imports_only_people_of_its_area(
    supervisor_api: Api,
    client: Client,
    django_capture_on_commit_callbacks: Capture,
    lombok_supervisor: Actor,
) -> None:
    lombok = {**BUDI, "home_area": "52.03", "national_id_number": "", "birth_date": "1987-06-15"}
    malang = supervisor_api.checked(csv_bytes([lombok]), template="standard")
    assert malang["errors"] == [
        {
            "line": 2,
            "column": "home_area",
            "reason": "this person's home area is outside your area of work",
        }
    ]
    other = Api(client, lombok_supervisor, django_capture_on_commit_callbacks)
    lombok_batch = other.checked(csv_bytes([lombok]), template="standard")
    assert (lombok_batch["errors"], lombok_batch["counts"]["would_create"]) == ([], 1)
    other.post(f"/batches/{lombok_batch['id']}/commit")
    assert other.get(f"/batches/{lombok_batch['id']}").json()["status"] == "done"
    assert list(Person.objects.values_list("home_area__code", flat=True)) == ["52.03"]


def test_an_agency_imports_its_report_into_its_own_records(
    world: World, client: Client, agency_staff: Actor, django_capture_on_commit_callbacks: Capture
) -> None:
    agency = Api(client, agency_staff, django_capture_on_commit_callbacks)
    batch = agency.checked(csv_bytes([BUDI, AGUS]), template="standard")
    agency.post(f"/batches/{batch['id']}/commit")
    assert agency.get(f"/batches/{batch['id']}").json()["counts"]["created"] == 2
    assert PersonOrganisationLink.objects.filter(organisation=world.agency).count() == 2


# --- Abandoning ---------------------------------------------------------------------------------


def test_abandoning_deletes_the_file_and_only_before_the_import(
    supervisor_api: Api, settings: Any
) -> None:
    batch = supervisor_api.checked(csv_bytes([BUDI]), template="standard")
    assert len(stored_uploads(settings)) == 1
    abandoned = supervisor_api.delete(f"/batches/{batch['id']}")
    assert (abandoned.status_code, abandoned.json()["status"]) == (200, "abandoned")
    assert abandoned.json()["message"] == "The file has been deleted; nothing was imported."
    assert stored_uploads(settings) == []
    again = supervisor_api.delete(f"/batches/{batch['id']}")
    assert (again.status_code, again.json()["code"]) == (409, "registry.import_wrong_state")
    refused = supervisor_api.post(f"/batches/{batch['id']}/commit")
    assert (refused.status_code, refused.json()["code"]) == (409, "registry.import_wrong_state")
    assert registry_counts() == NOTHING
