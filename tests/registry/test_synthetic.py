"""The synthetic population: reproducible, realistic where it matters for linkage and
statistics, with a truth file that matches what was written."""

from __future__ import annotations

import csv
import multiprocessing
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path
from random import Random

import phonenumbers
import pycountry
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from stdnum.id import nik
from stdnum.th import pin

from pulang.geo.models import AdminArea
from pulang.geo.services import area_load_iso_provinces
from pulang.reference.models import Country, Currency, Occupation
from pulang.registry.models import (
    Identifier,
    MigrationEpisode,
    Person,
    PersonName,
    Return,
)
from pulang.registry.names import name_keys
from pulang.registry.synthetic import (
    SeedOptions,
    SeedRefused,
    SeedReport,
    parse_countries,
    seed_registry,
)
from pulang.registry.synthetic.data import lists
from pulang.registry.synthetic.documents import _MOBILE, phone
from pulang.registry.synthetic.migration import CURRENCIES
from tests.factories import World

pytestmark = pytest.mark.django_db

EXPORT_HEADER = (
    "record_id,given_name,family_name,full_name,sex,birth_date,id_number,phone,address,area_code"
)


def _reference(countries: tuple[str, ...] = ("ID",)) -> None:
    """The few countries, occupations and currencies the generator needs (load_reference
    loads them all, which takes longer than a test should)."""
    data = lists()
    needed = set(countries)
    isco: set[str] = set()
    for (origin, _sex), jobs in data.jobs.items():
        if origin in countries:
            needed |= {job.destination for job in jobs.items}
            isco |= {job.isco for job in jobs.items}
    for code in sorted(needed):
        record = pycountry.countries.get(alpha_2=code)
        Country.objects.get_or_create(
            code=code,
            defaults={"alpha3": record.alpha_3, "numeric": record.numeric, "name": record.name},
        )
    for code in sorted(isco):
        Occupation.objects.get_or_create(
            code=code, defaults={"level": 4, "title_en": f"ISCO {code}"}
        )
    for country in countries:
        currency = CURRENCIES[country][0]
        Currency.objects.get_or_create(code=currency, defaults={"numeric": "000", "name": currency})


def _seed(tmp_path: Path, name: str = "run", **options: object) -> tuple[SeedReport, Path, Path]:
    truth, export = tmp_path / f"{name}-truth.csv", tmp_path / f"{name}-export.csv"
    settings: dict[str, object] = {"persons": 300, "seed": 7, "pipeline": False}
    settings.update(options)
    report = seed_registry(SeedOptions(truth=truth, export=export, **settings))  # type: ignore[arg-type]
    return report, truth, export


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Person.objects.order_by("id").values_list(
            "id", "full_name", "given_name", "family_name", "sex", "birth_date",
            "birth_date_precision", "nationality_id", "phone", "home_area_id", "address",
            "household_size", "languages", "education_level", "abroad_in_id", "created_at",
        )
    ) + list(
        MigrationEpisode.objects.order_by("id").values_list(
            "person_id", "destination_country_id", "occupation_id", "started_on", "ended_on",
            "legal_status", "migration_cost", "cost_financing", "visa_type",
        )
    ) + list(
        Identifier.objects.order_by("person_id", "kind").values_list("person_id", "kind", "number")
    )  # fmt: skip


@override_settings(DEBUG=True)
def test_the_same_seed_gives_the_same_people(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    _, truth, export = _seed(tmp_path, "first", duplicates=0.2)
    first = _snapshot()
    Person.objects.all().delete()
    _, truth_again, export_again = _seed(tmp_path, "second", duplicates=0.2)

    assert _snapshot() == first
    assert export_again.read_bytes() == export.read_bytes()
    assert truth_again.read_bytes() == truth.read_bytes()
    Person.objects.all().delete()
    _, _, other = _seed(tmp_path, "other", duplicates=0.2, seed=8)
    assert other.read_bytes() != export.read_bytes()


@override_settings(DEBUG=True)
@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to pipeline"
)
def test_generating_in_a_second_process_gives_the_same_people(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    _, _, export = _seed(tmp_path, "inline", persons=120, batch_size=40, duplicates=0.2)
    Person.objects.all().delete()
    _, _, piped = _seed(
        tmp_path, "piped", persons=120, batch_size=40, duplicates=0.2, pipeline=True
    )

    assert piped.read_bytes() == export.read_bytes()


@override_settings(DEBUG=True)
def test_truth_matches_the_records_and_the_duplicate_share(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    report, truth_path, _ = _seed(tmp_path, persons=400, duplicates=0.25)

    truth = _rows(truth_path)
    clusters: dict[str, list[int]] = defaultdict(list)
    for row in truth:
        clusters[row["cluster_id"]].append(int(row["record_id"]))
    assert len(clusters) == 400 == report.humans
    assert len(truth) == report.records == Person.objects.count()
    assert {int(r["record_id"]) for r in truth} == set(Person.objects.values_list("id", flat=True))
    duplicated = sum(1 for records in clusters.values() if len(records) > 1)
    assert 0.17 <= duplicated / 400 <= 0.33
    assert report.duplicates == report.records - report.humans
    assert max(len(records) for records in clusters.values()) <= 3


@override_settings(DEBUG=True)
def test_people_registered_after_seeding_get_fresh_ids(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    _seed(tmp_path, persons=60, duplicates=0.2)
    seeded = set(Person.objects.values_list("id", flat=True))
    episodes = set(MigrationEpisode.objects.values_list("id", flat=True))

    person = Person.objects.create(full_name="Siti Aminah", sex="F", nationality_id="ID")
    episode = MigrationEpisode.objects.create(person=person, destination_country_id="MY")

    assert person.pk > max(seeded)
    assert episode.pk > max(episodes)


@override_settings(DEBUG=True)
def test_no_duplicates_means_one_record_per_human(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    report, truth_path, _ = _seed(tmp_path, persons=150)

    truth = _rows(truth_path)
    assert report.records == report.humans == 150
    assert len({row["cluster_id"] for row in truth}) == 150


@override_settings(DEBUG=True)
def test_every_nik_is_valid_and_thai_ids_have_their_check_digit(
    world: World, tmp_path: Path
) -> None:
    _reference(("ID", "TH"))
    _seed(tmp_path, persons=400, duplicates=0.3, countries={"ID": 1.0, "TH": 1.0})

    niks = list(
        Identifier.objects.filter(kind="national_id", issuing_country="ID").values_list(
            "number", flat=True
        )
    )
    thai = list(
        Identifier.objects.filter(kind="national_id", issuing_country="TH").values_list(
            "number", flat=True
        )
    )
    assert len(niks) > 100
    assert [n for n in niks if not nik.is_valid(n)] == []
    assert len(thai) > 100
    assert [n for n in thai if not pin.is_valid(n)] == []


@override_settings(DEBUG=True)
def test_domestic_work_is_mostly_done_by_women(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    _seed(tmp_path, persons=400)

    sexes = Counter(Person.objects.values_list("sex", flat=True))
    assert 0.55 <= sexes["F"] / 400 <= 0.8
    domestic = Counter(
        MigrationEpisode.objects.filter(occupation_id__in=["9111", "5322"]).values_list(
            "person__sex", flat=True
        )
    )
    plantation_and_building = Counter(
        MigrationEpisode.objects.filter(occupation_id__in=["9211", "9313", "7112"]).values_list(
            "person__sex", flat=True
        )
    )
    assert domestic["F"] > 100
    assert domestic["M"] == 0
    assert plantation_and_building["M"] > plantation_and_building["F"] * 3


@override_settings(DEBUG=True)
def test_returns_are_mostly_end_of_contract_and_deportation_follows_irregularity(
    world: World, tmp_path: Path
) -> None:
    _reference(("ID",))
    _seed(tmp_path, persons=500)

    reasons = Counter(Return.objects.filter(status="arrived").values_list("reason", flat=True))
    assert reasons.most_common(1)[0][0] == "end_of_contract"
    deported = Counter(
        Return.objects.filter(reason="deportation").values_list("episode__legal_status", flat=True)
    )
    assert deported["undocumented"] + deported["undocumented_no_fault"] > deported["documented"]
    expected = Return.objects.filter(status="expected")
    assert expected.filter(returned_on__isnull=True).count() == expected.count() > 0
    abroad = Person.objects.filter(abroad_in__isnull=False).count()
    assert abroad == expected.values("person").distinct().count()
    assert set(Return.objects.values_list("channel", flat=True)) == {"import"}


@override_settings(DEBUG=True)
def test_export_has_the_documented_layout(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    report, _, export = _seed(tmp_path, persons=100, duplicates=0.2)

    lines = export.read_text(encoding="utf-8").splitlines()
    assert lines[0] == EXPORT_HEADER
    rows = _rows(export)
    assert len(rows) == report.records
    person = Person.objects.select_related("home_area").get(pk=int(rows[0]["record_id"]))
    assert rows[0]["full_name"] == person.full_name
    assert rows[0]["birth_date"] == (person.birth_date.isoformat() if person.birth_date else "")
    assert rows[0]["area_code"] == (person.home_area.code if person.home_area else "")
    assert all(r["sex"] in {"F", "M"} for r in rows)


@override_settings(DEBUG=True)
def test_home_areas_are_leaves_of_the_tree(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    _seed(tmp_path, persons=200)

    leaves = {world.talangagung.pk, world.sumberpucung.pk, world.lombok_timur.pk}
    used = set(Person.objects.exclude(home_area=None).values_list("home_area_id", flat=True))
    # Duplicates may name the province only; first records name the deepest area there is.
    assert leaves <= used
    assert used <= leaves | {world.east_java.pk, world.west_nusa_tenggara.pk}


@override_settings(DEBUG=True)
def test_provinces_alone_are_enough(tmp_path: Path) -> None:
    _reference(("ID",))
    area_load_iso_provinces(country_codes=["ID"])

    _seed(tmp_path, persons=100)

    levels = set(Person.objects.values_list("home_area__level", flat=True))
    assert levels == {AdminArea.Level.PROVINCE}
    provinces = Counter(Person.objects.values_list("home_area__code", flat=True))
    assert provinces.most_common(1)[0][0] in {"ID-JI", "ID-JT", "ID-JB"}


@override_settings(DEBUG=True)
def test_without_any_area_tree_people_have_no_home_area(tmp_path: Path) -> None:
    _reference(("VN",))

    _seed(tmp_path, persons=50, countries={"VN": 1.0})

    assert Person.objects.filter(home_area__isnull=False).count() == 0
    assert Person.objects.count() == 50


@override_settings(DEBUG=True)
def test_asean_names_keep_their_scripts_and_keys(tmp_path: Path) -> None:
    mix = parse_countries("ASEAN")
    _reference(tuple(mix))

    _seed(tmp_path, persons=600, duplicates=0.2, countries=mix)

    scripts = Counter(PersonName.objects.values_list("script", flat=True))
    for script in ("Latn", "Thai", "Khmr", "Laoo", "Mymr"):
        assert scripts[script] > 0, script
    assert PersonName.objects.filter(kind="native_script").exclude(script="Latn").exists()
    assert Person.objects.filter(full_name__contains="Nguyễn").exists()
    for name in PersonName.objects.order_by("?")[:50]:
        keys = name_keys(name.written)
        assert (name.folded, name.sorted_tokens, name.phonetic, name.script) == (
            keys.folded[:200],
            keys.sorted_tokens[:200],
            keys.phonetic[:200],
            keys.script,
        )
    nationalities = Counter(Person.objects.values_list("nationality_id", flat=True))
    assert set(nationalities) == set(mix)


@override_settings(DEBUG=True)
def test_phones_are_valid_mobile_numbers(tmp_path: Path) -> None:
    mix = parse_countries("ASEAN")
    _reference(tuple(mix))

    _seed(tmp_path, persons=300, duplicates=0.3, countries=mix)

    phones = [p for p in Person.objects.values_list("phone", flat=True) if p]
    assert len(phones) > 250
    invalid = [p for p in phones if not phonenumbers.is_valid_number(phonenumbers.parse(p))]
    assert invalid == []


@override_settings(DEBUG=False, PULANG_DEMO=False)
def test_refuses_outside_debug_and_demo(world: World) -> None:
    _reference(("ID",))

    with pytest.raises(CommandError, match="fake people"):
        call_command("seed", "--persons", "5")

    assert Person.objects.count() == 0
    out = StringIO()
    call_command("seed", "--persons", "5", "--force", stdout=out, stderr=StringIO())
    assert Person.objects.count() == 5
    assert out.getvalue().startswith("seeded humans=5 records=5 ")


@override_settings(DEBUG=False, PULANG_DEMO=True)
def test_runs_in_a_demo_and_reports_progress(world: World, tmp_path: Path) -> None:
    _reference(("ID",))
    out, err = StringIO(), StringIO()

    call_command(
        "seed", "--persons", "30", "--duplicates", "0.5", "--truth", str(tmp_path / "t.csv"),
        stdout=out, stderr=err,
    )  # fmt: skip

    assert "rows/s" in err.getvalue()
    assert "seeded humans=30 " in out.getvalue()
    assert len(_rows(tmp_path / "t.csv")) == Person.objects.count()


@override_settings(DEBUG=True)
def test_if_empty_seeds_only_an_empty_registry(world: World) -> None:
    _reference(("ID",))
    out = StringIO()

    call_command("seed", "--persons", "20", "--if-empty", stdout=out, stderr=StringIO())
    call_command("seed", "--persons", "20", "--if-empty", stdout=out, stderr=StringIO())

    assert Person.objects.count() == 20
    assert "seeded humans=0 records=0 " in out.getvalue()


@override_settings(DEBUG=True)
def test_missing_reference_data_is_named(world: World) -> None:
    with pytest.raises(SeedRefused, match="load_reference"):
        seed_registry(SeedOptions(persons=5))

    assert Person.objects.count() == 0


def test_country_mixes_are_parsed() -> None:
    assert parse_countries("id") == {"ID": 1.0}
    assert parse_countries("ID:70,PH:30") == {"ID": 70.0, "PH": 30.0}
    assert set(parse_countries("ASEAN")) == {"ID", "PH", "VN", "KH", "MM", "LA", "TH"}
    with pytest.raises(SeedRefused, match="No name lists"):
        parse_countries("SG")
    with pytest.raises(SeedRefused, match="number"):
        parse_countries("ID:many")


def test_every_phone_format_gives_valid_numbers() -> None:
    rng = Random(3)
    for country in _MOBILE:
        numbers = [phone(country, rng) for _ in range(200)]
        invalid = [n for n in numbers if not phonenumbers.is_valid_number(phonenumbers.parse(n))]
        assert invalid == [], country
