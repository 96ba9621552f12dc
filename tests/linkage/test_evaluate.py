"""``pulang linkage evaluate``: the figures on a labelled file, and the errors bad files get.
The evaluation reads only its two files: these tests have no database unless they seed."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pulang.linkage.errors import LinkageInputError
from pulang.linkage.pipeline import csvfile
from pulang.linkage.pipeline.evaluation import evaluate_files
from tests.factories import World
from tests.linkage.helpers import LAYOUT, seed, true_pairs, write_csv

THRESHOLD_METRICS = ["pairwise_precision", "pairwise_recall", "pairwise_f1", "pairs_predicted"]
CLUSTER_METRICS = [
    "persons_true",
    "persons_found",
    "persons_found_exactly",
    "cluster_pairwise_precision",
    "cluster_pairwise_recall",
    "cluster_pairwise_f1",
]
AUTOMATIC_METRICS = ["auto_linked_pairs", "false_merges", "false_merge_rate"]
PHASES = ["read", "prepare", "train", "block", "predict", "cluster"]


def _evaluate(records: Path, truth: Path, *extra: str) -> list[dict[str, object]]:
    out = StringIO()
    call_command(
        "linkage", "evaluate", "--input", str(records), "--truth", str(truth), *extra, stdout=out
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_evaluate_prints_every_figure_as_json_lines_without_the_database(
    world: World, tmp_path: Path, django_assert_num_queries: object
) -> None:
    report, records, truth = seed(tmp_path, persons=300, duplicates=0.3)

    with django_assert_num_queries(0):  # type: ignore[operator]
        lines = _evaluate(
            records,
            truth,
            "--review-threshold", "0.8", "--auto-threshold", "0.999", "--sweep", "0.5",
        )  # fmt: skip

    metrics = [(line["metric"], line.get("threshold"), line.get("phase")) for line in lines]
    expected = [("records", None, None), ("comparisons", None, None), ("true_pairs", None, None)]
    expected += [("blocking_recall", None, None)]
    for threshold in (0.5, 0.8, 0.999):
        expected += [(metric, threshold, None) for metric in THRESHOLD_METRICS]
    expected += [(metric, 0.8, None) for metric in CLUSTER_METRICS]
    expected += [(metric, 0.999, None) for metric in AUTOMATIC_METRICS]
    expected += [("seconds", None, phase) for phase in PHASES]
    expected += [("prior", None, None)]
    assert metrics == expected
    value = {(m, t): line["value"] for (m, t, _p), line in zip(metrics, lines, strict=True)}
    assert value[("records", None)] == report.records
    assert value[("true_pairs", None)] == true_pairs(truth)
    assert value[("persons_true", 0.8)] == report.humans
    for metric in ("pairwise_precision", "pairwise_recall", "pairwise_f1"):
        assert 0.0 <= value[(metric, 0.8)] <= 1.0  # type: ignore[operator]
    # A small registry still links most of its duplicates, and never merges two people.
    assert value[("pairwise_recall", 0.5)] >= 0.8  # type: ignore[operator]
    assert value[("false_merges", 0.999)] == 0
    units = {line["metric"]: line["unit"] for line in lines}
    assert units["pairwise_f1"] == "ratio"
    assert units["comparisons"] == "pairs"
    assert units["seconds"] == "s"


def _person(record_id: int, **values: str) -> dict[str, str]:
    row = dict.fromkeys(LAYOUT, "")
    row["record_id"] = str(record_id)
    row.update(values)
    return row


def _awkward_rows() -> list[dict[str, str]]:
    """Sixty records: no name, one-word names, missing dates, a crowd of one common name,
    document numbers with a typo, titles and particles, other scripts."""
    rows = [_person(1), _person(2, sex="F")]  # no name at all
    rows += [_person(3, full_name="Suparmi", sex="F", birth_date="1980-01-01")]
    rows += [_person(4, given_name="Suparmi", sex="F", area_code="ID-JT")]
    for i in range(5, 35):  # thirty people called Muhammad Ali, some born the same day
        rows.append(
            _person(
                i,
                full_name="Muhammad Ali",
                sex="M",
                birth_date=f"19{80 + i % 3}-05-0{1 + i % 2}",
                id_number=f"35070105808{i:05d}",
                phone=f"+62812000{i:05d}",
                area_code="35.07.13.2001",
            )
        )
    rows += [
        _person(35, full_name="Siti Aminah", id_number="3507015708850001", birth_date="1985-08-17"),
        _person(
            36, full_name="Sitti Aminah", id_number="3507015708850007", birth_date="1985-08-17"
        ),
        _person(37, full_name="Hj. Siti Aminah binti Sukarno", phone="0812 3456 7890"),
        _person(38, full_name="SITI AMINAH", phone="+62 812 3456 7890", birth_date="1985-01-01"),
        _person(39, full_name="Nguyễn Văn An", birth_date="1990-02-03", sex="M"),
        _person(40, full_name="An Van Nguyen", birth_date="1990-03-02", sex="M"),
        _person(41, full_name="ဦးသိန်းစိန်", sex="M"),
        _person(42, full_name="Thein Sein", sex="M"),
        _person(43, full_name="สมชาย ใจดี", sex="M"),
        _person(44, full_name="   ", given_name="", family_name="", sex="X"),
        _person(45, full_name="!!!", id_number="--", phone="12"),
    ]
    for i in range(46, 61):
        rows.append(_person(i, full_name=f"Person Number{i}", birth_date="2000-01-01"))
    return rows


def test_awkward_records_are_linked_without_a_crash(tmp_path: Path) -> None:
    rows = _awkward_rows()
    records = write_csv(tmp_path / "awkward.csv", rows)
    truth_rows = [{"record_id": str(i), "cluster_id": "siti"} for i in (35, 36, 37, 38)]
    truth_rows += [{"record_id": "39", "cluster_id": "an"}, {"record_id": "40", "cluster_id": "an"}]
    truth = write_csv(tmp_path / "truth.csv", truth_rows, header=("record_id", "cluster_id"))

    figures = evaluate_files(records, truth, review_threshold=0.8, auto_threshold=0.999)

    assert figures.value("records") == 60
    assert figures.value("true_pairs") == 7
    assert figures.value("persons_true", threshold=0.8) == 60 - 4
    # Thirty Muhammad Alis with different ID numbers and phones are thirty people.
    assert figures.value("false_merges", threshold=0.999) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty.csv is empty: it needs a header line with the columns record_id, "),
        ("\n\n", "empty.csv is empty"),
        (
            "record_id,given_name,family_name,full_name,sex,birth_date,id_number,phone,address\n",
            "empty.csv has no column area_code (the header must name record_id, ",
        ),
        ("record_id,full_name\n1,Siti\n", "has no column given_name, family_name, sex, "),
    ],
)
def test_a_file_without_its_columns_is_refused_naming_them(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(LinkageInputError) as caught:
        csvfile.read_records(path)

    assert message in caught.value.text


def test_bad_lines_are_refused_naming_each_line(tmp_path: Path) -> None:
    rows = [
        _person(1, full_name="Siti"),
        _person(1, full_name="Siti again"),
        {**_person(3, full_name="Budi"), "record_id": ""},
        _person(4, full_name="Agus", birth_date="17/08/1985"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    with pytest.raises(LinkageInputError) as caught:
        csvfile.read_records(path)

    assert caught.value.text == (
        "bad.csv: line 3: record_id 1 appears twice; line 4: record_id is blank; "
        "line 5: birth_date 17/08/1985 is not a date written YYYY-MM-DD."
    )
    assert caught.value.code == "linkage.invalid_input"


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((",".join(LAYOUT) + "\n1,,,Nguy\xe9n,,,,,,\n").encode("latin-1"))

    with pytest.raises(LinkageInputError) as caught:
        csvfile.read_records(path)

    assert caught.value.text == "latin1.csv, line 2: the file is not UTF-8 text."


def test_a_truth_file_naming_unknown_records_is_refused(tmp_path: Path) -> None:
    records = write_csv(tmp_path / "persons.csv", [_person(1, full_name="Siti")])
    truth = write_csv(
        tmp_path / "truth.csv",
        [{"record_id": "1", "cluster_id": "a"}, {"record_id": "9", "cluster_id": "a"}],
        header=("record_id", "cluster_id"),
    )
    read = csvfile.read_records(records)

    with pytest.raises(LinkageInputError) as caught:
        csvfile.read_truth(truth, read.ids)

    assert caught.value.text == "truth.csv: line 3: record_id 9 is not in the input file."


def test_a_file_with_only_its_header_gives_empty_figures(tmp_path: Path) -> None:
    records = write_csv(tmp_path / "persons.csv", [])
    truth = write_csv(tmp_path / "truth.csv", [], header=("record_id", "cluster_id"))

    figures = evaluate_files(records, truth, review_threshold=0.8, auto_threshold=0.999)

    assert figures.value("records") == 0
    assert figures.value("true_pairs") == 0
    assert figures.value("pairwise_f1", threshold=0.8) == 0.0
    assert figures.value("auto_linked_pairs", threshold=0.999) == 0


def test_too_few_records_to_train_are_refused_with_the_reason(tmp_path: Path) -> None:
    rows = [_person(i, full_name=f"Name{i}") for i in range(1, 11)]
    records = write_csv(tmp_path / "few.csv", rows)
    truth = write_csv(tmp_path / "truth.csv", [], header=("record_id", "cluster_id"))

    with pytest.raises(CommandError) as caught:
        _evaluate(records, truth)

    assert str(caught.value) == "few.csv has 10 records: a model needs at least 50 to train on."
