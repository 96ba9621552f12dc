from __future__ import annotations

import pytest

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound
from pulang.geo.errors import AreaImportRejected
from pulang.geo.models import AdminArea
from pulang.geo.services import area_import
from pulang.orgs.actor import Actor
from pulang.reference.models import Language
from tests.factories import World

GOOD = """code,parent_code,level,name,name_jv
35.05,ID-JI,2,Kabupaten Blitar,
35.05.10.1001,35.05.10,4,Beru,
35.05.10,35.05,3,Wlingi,ꦮ꧀ꦭꦶꦔꦶ
"""


@pytest.fixture
def javanese(db: None) -> Language:
    return Language.objects.create(code="jv", name="Javanese", is_regional=True)


def snapshot() -> list[tuple[str, str, str, str]]:
    return list(
        AdminArea.objects.order_by("code").values_list("code", "name", "path", "parent__code")
    )


def test_import_builds_the_tree_parents_first(world: World, javanese: Language) -> None:
    report = area_import(actor=None, data=GOOD.encode(), country_code="ID")
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    village = AdminArea.objects.get(code="35.05.10.1001")
    assert village.path == "ID/ID-JI/35.05/35.05.10/35.05.10.1001/"
    assert village.level == 4
    assert AdminArea.objects.get(code="35.05.10").local_names == {"jv": "ꦮ꧀ꦭꦶꦔꦶ"}
    event = AuditEvent.objects.get(action="geo.areas_imported")
    assert event.details == {"countries": ["ID"], "created": 3, "updated": 0, "unchanged": 0}


def test_importing_the_same_file_again_changes_nothing(world: World, javanese: Language) -> None:
    area_import(actor=None, data=GOOD.encode(), country_code="ID")
    before = snapshot()
    report = area_import(actor=None, data=GOOD.encode(), country_code="ID")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_unknown_parent_rejects_the_file_with_line_and_reason(world: World) -> None:
    before = snapshot()
    data = "code,parent_code,level,name\n35.05,ID-JI,2,Kabupaten Blitar\n35.05.99,35.98,3,Nowhere\n"
    with pytest.raises(AreaImportRejected) as caught:
        area_import(actor=None, data=data.encode(), country_code="ID")
    assert caught.value.errors == [
        {"line": 3, "field": "parent_code", "reason": "unknown parent area code “35.98”"}
    ]
    assert snapshot() == before


def test_unknown_country_code_in_a_row_is_rejected(world: World) -> None:
    before = snapshot()
    data = "country,code,parent_code,level,name\nID,35.05,ID-JI,2,Blitar\nXX,1,,1,Atlantis\n"
    with pytest.raises(AreaImportRejected) as caught:
        area_import(actor=None, data=data.encode())
    assert caught.value.errors == [
        {"line": 3, "field": "country", "reason": "unknown country code “XX”"}
    ]
    assert snapshot() == before


def test_every_bad_row_is_reported_at_once(world: World) -> None:
    data = (
        "code,parent_code,level,name\n"
        "35.05,ID-JI,2,\n"  # no name
        "35.06,ID-JI,9,Kediri\n"  # bad level
        "a/b,ID-JI,2,Slash\n"  # bad code
        "35.07.99,ID-JI,3,Skips a level\n"  # level does not fit its parent
    )
    with pytest.raises(AreaImportRejected) as caught:
        area_import(actor=None, data=data.encode(), country_code="ID")
    assert [(e["line"], e["field"]) for e in caught.value.errors] == [
        (2, "name"),
        (3, "level"),
        (4, "code"),
        (5, "level"),
    ]
    assert caught.value.code == "geo.import_rejected"


def test_duplicate_codes_in_one_file_are_rejected(world: World) -> None:
    data = "code,parent_code,level,name\n35.05,ID-JI,2,Blitar\n35.05,ID-JI,2,Blitar again\n"
    with pytest.raises(AreaImportRejected) as caught:
        area_import(actor=None, data=data.encode(), country_code="ID")
    assert caught.value.errors == [
        {"line": 3, "field": "code", "reason": "the code “35.05” is also on line 2"}
    ]
    assert not AdminArea.objects.filter(code="35.05").exists()


def test_missing_column_and_unknown_language_are_reported_on_line_one(world: World) -> None:
    with pytest.raises(AreaImportRejected) as caught:
        area_import(actor=None, data=b"code,level,name,name_xx\n1,1,A,\n", country_code="ID")
    assert caught.value.errors == [
        {"line": 1, "field": "parent_code", "reason": "required column is missing"},
        {"line": 1, "field": "name_xx", "reason": "“xx” is not a known language tag"},
    ]


def test_file_not_in_utf8_is_refused(world: World) -> None:
    data = "code,parent_code,level,name\n35.05,ID-JI,2,Kabupatén\n".encode("latin-1")
    with pytest.raises(InvalidInput) as caught:
        area_import(actor=None, data=data, country_code="ID")
    assert "UTF-8" in caught.value.text
    assert not AdminArea.objects.filter(code="35.05").exists()


def test_a_moved_district_takes_its_subtree_along(world: World) -> None:
    data = "code,parent_code,level,name\n35.07,ID-NB,2,Kabupaten Malang\n"
    report = area_import(actor=None, data=data.encode(), country_code="ID")
    assert (report.created, report.updated) == (0, 1)
    assert AdminArea.objects.get(code="35.07.13.2001").path == (
        "ID/ID-NB/35.07/35.07.13/35.07.13.2001/"
    )


def test_an_area_cannot_move_inside_itself(world: World) -> None:
    before = snapshot()
    data = "code,parent_code,level,name\n35.07.13,35.07.13.2001,3,Kepanjen\n"
    with pytest.raises(AreaImportRejected):
        area_import(actor=None, data=data.encode(), country_code="ID")
    assert snapshot() == before


def test_dry_run_reports_and_writes_nothing(world: World, javanese: Language) -> None:
    before = snapshot()
    report = area_import(actor=None, data=GOOD.encode(), country_code="ID", dry_run=True)
    assert (report.created, report.dry_run) == (3, True)
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="geo.areas_imported").exists()


def test_national_administrator_may_import(
    world: World, administrator: Actor, javanese: Language
) -> None:
    report = area_import(actor=administrator, data=GOOD.encode(), country_code="ID")
    assert report.created == 3


def test_district_supervisor_may_not_import(
    world: World, district_supervisor: Actor, javanese: Language
) -> None:
    before = snapshot()
    with pytest.raises(NotFound):
        area_import(actor=district_supervisor, data=GOOD.encode(), country_code="ID")
    assert snapshot() == before
    assert (
        AuditEvent.objects.filter(action="access.denied", username="district_supervisor").count()
        == 1
    )
