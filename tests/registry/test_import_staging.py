"""The checked rows on disk (``imports/services/staging.py``) and what an imported intake
record says about who received it."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pulang.orgs.actor import Actor
from pulang.registry.imports.services import (
    commit_now,
    import_batch_check,
    import_batch_commit,
    import_batch_run_check,
    import_batch_upload,
    import_source_from_template,
)
from pulang.registry.imports.services.staging import (
    PreparedWriter,
    dump_chunk,
    read_chunks,
    without_lines,
)
from pulang.registry.models import IntakeRecord
from tests.factories import World
from tests.registry.helpers import occupation

DATA = Path(__file__).parent / "data"
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def imports_setup(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PULANG_IMPORT_DIR = str(tmp_path / "imports")
    yield


def test_chunks_come_back_as_written_without_the_lines_dropped(tmp_path: Path) -> None:
    writer = PreparedWriter(tmp_path)
    writer.write(dump_chunk([(2, "a"), (3, "b")], [(2, "name a")], [(3, "id b")]))
    writer.write(
        without_lines(
            dump_chunk([(4, "c"), (5, "d")], [(4, "name c"), (5, "name d")], [(4, "id c")]),
            {4},
        )
    )
    writer.close()
    assert list(read_chunks(tmp_path)) == [
        ([(2, "a"), (3, "b")], [(2, "name a")], [(3, "id b")]),
        ([(5, "d")], [(5, "name d")], []),
    ]


def test_rows_checked_before_the_length_prefixed_format_are_still_read(tmp_path: Path) -> None:
    # A batch checked by the earlier code and imported after an upgrade.
    for stream in ("rows", "names", "identifiers"):
        with (tmp_path / f"prepared.{stream}").open("wb") as file:
            marshal.dump([(2, stream)], file)
            marshal.dump([(3, stream)], file)
    assert list(read_chunks(tmp_path)) == [
        ([(2, "rows")], [(2, "names")], [(2, "identifiers")]),
        ([(3, "rows")], [(3, "names")], [(3, "identifiers")]),
    ]


def _run_check(batch_id: int) -> str:
    import_batch_run_check(batch_id=batch_id)
    return "test"


@pytest.mark.parametrize("portable", [False, True])
def test_an_imported_intake_record_names_its_batch_not_a_user(
    world: World,
    district_supervisor: Actor,
    django_capture_on_commit_callbacks: Capture,
    portable: bool,
) -> None:
    occupation()
    source = import_source_from_template(actor=district_supervisor, name="standard")
    batch = import_batch_upload(
        actor=district_supervisor,
        upload=SimpleUploadedFile("a.csv", (DATA / "arrivals.csv").read_bytes()),
        file_name="a.csv",
        source=source,
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_check(actor=district_supervisor, batch=batch, enqueue=_run_check)
    batch.refresh_from_db()

    def run_commit(batch_id: int) -> str:
        commit_now(batch_id=batch_id, portable=portable)
        return "test"

    with django_capture_on_commit_callbacks(execute=True):
        import_batch_commit(actor=district_supervisor, batch=batch, enqueue=run_commit)
    batch.refresh_from_db()
    assert (batch.status, batch.uploaded_by_id) == ("done", district_supervisor.user.pk)
    intakes = IntakeRecord.objects.filter(channel="import").order_by("pk")
    assert [
        (i.received_by_id, i.decided_by_id, i.payload["import_batch"], i.payload["line"])
        for i in intakes
    ] == [(None, None, batch.pk, 2), (None, None, batch.pk, 3), (None, None, batch.pk, 4)]
