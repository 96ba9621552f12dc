from __future__ import annotations

import datetime as dt

import pytest

from pulang.audit.models import AuditEvent
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.registry.models import Person
from pulang.registry.search import PersonQuery
from pulang.registry.selectors import person_search
from pulang.registry.services import registration_submit
from tests.factories import World
from tests.registry.helpers import occupation, siti


@pytest.fixture
def people(world: World, district_supervisor: Actor) -> dict[str, Person]:
    occupation()
    registered = {}
    for key, data in {
        "siti": siti(),
        "suparmi": siti(
            full_name="Suparmi",
            birth_date=dt.date(1990, 5, 1),
            identifiers=[],
            phone="081311112222",
        ),
        "nguyen": siti(
            full_name="Nguyễn Thị Hương",
            nationality="ID",
            birth_date=dt.date(1992, 2, 2),
            identifiers=[],
            phone="",
            home_area="35.07.12.2001",
        ),
        "muhammad": siti(
            full_name="Muhammad Rizky",
            sex="M",
            birth_date=dt.date(1988, 1, 1),
            identifiers=[],
            phone="",
            home_area="35.07.12.2001",
        ),
    }.items():
        if data.return_ is not None:
            data.return_.destination_area = data.home_area
        outcome = registration_submit(
            actor=district_supervisor, data=data, channel="staff", on_match="create"
        )
        assert outcome.person is not None
        registered[key] = outcome.person
    return registered


def ids(matches: list) -> list[int]:  # type: ignore[type-arg]
    return [m.person.pk for m in matches]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Siti Aminah", "siti"),
        ("siti aminah binti sukarno", "siti"),
        ("Aminah Siti", "siti"),  # swapped order
        ("Siti Aminnah", "siti"),  # typo
        ("Nguyen Thi Huong", "nguyen"),  # no diacritics
        ("Mohammad Rizki", "muhammad"),  # spelling variant
        ("SUPARMI", "suparmi"),
    ],
)
def test_names_are_found_however_they_are_spelt(
    people: dict[str, Person], district_supervisor: Actor, query: str, expected: str
) -> None:
    matches = person_search(actor=district_supervisor, query=PersonQuery(name=query))
    assert ids(matches)[0] == people[expected].pk
    assert matches[0].reasons


def test_id_number_and_phone_find_the_person(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    by_id = person_search(
        actor=district_supervisor, query=PersonQuery(id_number="3507-0157-0885-0001")
    )
    assert ids(by_id) == [people["siti"].pk]
    assert by_id[0].reasons == ["same ID number"]
    by_phone = person_search(
        actor=district_supervisor, query=PersonQuery(phone="+62 813 1111 2222")
    )
    assert ids(by_phone) == [people["suparmi"].pk]


def test_birth_date_narrows_and_explains(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    matches = person_search(
        actor=district_supervisor, query=PersonQuery(name="Siti", birth_date=dt.date(1985, 8, 17))
    )
    assert ids(matches)[0] == people["siti"].pk
    assert "same date of birth" in matches[0].reasons


def test_search_is_scoped_to_the_actor(
    people: dict[str, Person], village_officer: Actor, outsider: Actor
) -> None:
    # The village officer's village is Talangagung: Siti and Suparmi live there.
    found = ids(person_search(actor=village_officer, query=PersonQuery(name="Muhammad Rizky")))
    assert people["muhammad"].pk not in found
    assert person_search(actor=outsider, query=PersonQuery(name="Siti Aminah")) == []


def test_unrelated_names_are_not_returned(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    assert person_search(actor=district_supervisor, query=PersonQuery(name="Bambang Hartono")) == []


def test_searching_is_audited_without_the_name(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    person_search(actor=district_supervisor, query=PersonQuery(name="Siti Aminah"))
    event = AuditEvent.objects.filter(action="registry.persons_searched").get()
    assert event.details == {"by": ["name"], "results": 1}
    assert "Siti" not in str(event.details)


def test_analyst_may_not_search_people(people: dict[str, Person], analyst: Actor) -> None:
    with pytest.raises(PermissionDenied):
        person_search(actor=analyst, query=PersonQuery(name="Siti"))


def test_a_nickname_born_the_same_day_is_found(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    # "Parmi" is a piece of "Suparmi": a name that no spelling rule turns into the other.
    matches = person_search(
        actor=district_supervisor,
        query=PersonQuery(name="Parmi", birth_date=dt.date(1990, 5, 1)),
    )
    assert ids(matches)[0] == people["suparmi"].pk
    assert "same date of birth" in matches[0].reasons


def test_a_mistyped_one_word_name_is_found_among_neighbours_of_that_age(
    world: World, people: dict[str, Person], district_supervisor: Actor
) -> None:
    # Someone really called Suparni, elsewhere: the name index is content with her, so only
    # the look at the neighbours of that age finds the mistyped Suparmi.
    other = registration_submit(
        actor=district_supervisor,
        data=siti(
            full_name="Suparni",
            birth_date=dt.date(1991, 3, 3),
            identifiers=[],
            phone="",
            home_area="35.07.12.2001",
        ),
        channel="staff",
        on_match="create",
    ).person
    assert other is not None
    matches = person_search(
        actor=district_supervisor,
        query=PersonQuery(name="Suparni", birth_year=1991, area_path=world.talangagung.path),
    )
    assert ids(matches) == [people["suparmi"].pk, other.pk]
    assert matches[0].reasons == ["similar name (94%)", "born around 1991", "same village"]


def test_a_merged_record_is_found_only_as_its_survivor(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    from pulang.registry.services.merge import person_merge

    person_merge(
        actor=district_supervisor,
        survivor_id=people["siti"].pk,
        absorbed_id=people["suparmi"].pk,
        reason="test: one woman registered twice",
    )
    found = ids(person_search(actor=district_supervisor, query=PersonQuery(name="Suparmi")))
    assert people["suparmi"].pk not in found
    assert found == [people["siti"].pk]


def test_a_corrected_birth_date_moves_the_names_to_the_new_year(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    from pulang.registry.models import PersonName
    from pulang.registry.services import person_update

    suparmi = people["suparmi"]
    person_update(
        actor=district_supervisor,
        person_id=suparmi.pk,
        version=suparmi.version,
        changes={"birth_date": dt.date(1979, 5, 1)},
        reason="test: the passport says 1979",
    )
    assert list(PersonName.objects.filter(person=suparmi).values_list("birth_year", flat=True)) == [
        1979
    ]
    # Found by a mistyped name and the corrected year, which only the code index narrowed
    # by year can do (the old year is more than the window away).
    found = person_search(
        actor=district_supervisor, query=PersonQuery(name="Suparmi Sukarno", birth_year=1979)
    )
    assert ids(found) == [suparmi.pk]
    assert "born the same year" in found[0].reasons


@pytest.mark.parametrize("typed", ['"', "%_!", "O'Brien", 'Nur-Aini "Ani"', "' OR 1=1 --", "*"])
def test_query_syntax_in_a_name_is_only_text(
    world: World, people: dict[str, Person], district_supervisor: Actor, typed: str
) -> None:
    # Quotes, LIKE wildcards and FTS5 operators go to the database as values, never as
    # syntax: nothing fails, and nobody is found by them.
    found = person_search(
        actor=district_supervisor,
        query=PersonQuery(name=typed, birth_year=1990, area_path=world.talangagung.path),
    )
    assert found == []


def _names_matching(where: str, params: list) -> set[int]:  # type: ignore[type-arg]
    from django.db import connection

    with connection.cursor() as cursor:
        # ``where`` is the search's own predicate; values are parameters.
        cursor.execute(f"SELECT n.person_id FROM registry_personname n WHERE {where}", params)  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def test_the_code_index_answers_by_code_and_birth_year(people: dict[str, Person]) -> None:
    from pulang.registry.names import name_keys
    from pulang.registry.search import _codes_predicate

    siti_codes = sorted(set(name_keys("Siti Aminah").phonetic.split()))
    suparmi = name_keys("Suparmi").phonetic.split()
    siti_id, suparmi_id = people["siti"].pk, people["suparmi"].pk  # born 1985 and 1990
    assert _names_matching(*_codes_predicate(siti_codes, None)) == {siti_id}
    assert _names_matching(*_codes_predicate(siti_codes, [1984, 1985, 1986])) == {siti_id}
    assert _names_matching(*_codes_predicate(siti_codes, [1986, 1987])) == set()
    assert _names_matching(*_codes_predicate(suparmi, [1990])) == {suparmi_id}
    assert _names_matching(*_codes_predicate(suparmi, [1989])) == set()
    # Every code must be there, whichever carries the year: a code of another name is not.
    assert _names_matching(*_codes_predicate([*siti_codes, *suparmi], [1985, 1990])) == set()
    # A name recorded without a year is found only when the unknown year is asked for.
    from pulang.registry.models import PersonName

    PersonName.objects.filter(person_id=suparmi_id).update(birth_year=None)
    assert _names_matching(*_codes_predicate(suparmi, [1990])) == set()
    assert _names_matching(*_codes_predicate(suparmi, [1990], unknown=True)) == {suparmi_id}
    assert _names_matching(*_codes_predicate(suparmi, [], unknown=True)) == {suparmi_id}


def test_postgresql_answers_the_name_queries_from_their_indexes(
    people: dict[str, Person],
) -> None:
    """The search's expressions are written as the indexes of migration 0007 are: if they
    drift apart, PostgreSQL reads the whole table for every name searched."""
    from django.db import connection

    from pulang.registry.search import _codes_predicate

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's indexes")
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for where, params in (
            _codes_predicate(["sata", "amana"], [1984, 1985], unknown=True),
            _codes_predicate(["amana"], None),
            ("n.sorted_tokens %% %s", ["aminah siti"]),
        ):
            sql = f"EXPLAIN SELECT n.id FROM registry_personname n WHERE {where}"  # noqa: S608
            cursor.execute(sql, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert "personname_code_years_gin" in plans[0]
    assert "personname_code_years_gin" in plans[1]
    assert "personname_sorted_trgm" in plans[2]


def test_search_queries_run_with_their_own_settings_then_restore_the_sessions(db: None) -> None:
    """Inside ``index_scans``: bitmaps only, no JIT, room for a bitmap to stay exact; after
    it, whatever the session had (a setting left behind would slow every later query)."""
    from django.db import connection

    from pulang.registry.search import SEARCH_WORK_MEM, index_scans

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")

    def settings() -> tuple[str, str, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('work_mem'), current_setting('enable_seqscan'), "
                "current_setting('jit')"
            )
            return cursor.fetchone()  # type: ignore[no-any-return]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '5MB'")
    before = settings()
    assert before[0] == "5MB"
    with index_scans():
        assert settings() == (SEARCH_WORK_MEM, "off", "off")
    assert settings() == before


def test_a_name_with_a_typo_in_each_word_is_still_found(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    # Neither word keeps its phonetic code: only the trigram fallback can find her, and at
    # the search's threshold (0.3 on PostgreSQL) it must.
    matches = person_search(actor=district_supervisor, query=PersonQuery(name="Sitti Amimah"))
    assert people["siti"].pk in ids(matches)


def test_the_door_asks_the_typo_fallback_for_closer_names(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    from django.db import connection

    from pulang.registry.services.registration import DOOR_TYPO_THRESHOLD

    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm's threshold")
    # "sitti amimah" against "aminah siti sukarno": trigram similarity 0.33.
    door = PersonQuery(name="Sitti Amimah", typo_threshold=DOOR_TYPO_THRESHOLD)
    assert people["siti"].pk not in ids(person_search(actor=district_supervisor, query=door))
    closer = PersonQuery(name="Siti Amimah", typo_threshold=DOOR_TYPO_THRESHOLD)  # 0.41
    assert ids(person_search(actor=district_supervisor, query=closer))[0] == people["siti"].pk


def test_the_typo_fallback_leaves_the_sessions_trigram_threshold_as_it_was(
    people: dict[str, Person], district_supervisor: Actor
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm's threshold")

    def threshold() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('pg_trgm.similarity_threshold', true)")
            return str(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.6', true)")
    # Found only by the fallback, at the search's own threshold, not the session's 0.6.
    matches = person_search(actor=district_supervisor, query=PersonQuery(name="Sitti Amimah"))
    assert people["siti"].pk in ids(matches)
    assert threshold() == "0.6"
