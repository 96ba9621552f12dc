"""The linkage input: one row per record, built the same way from the registry and from a
CSV in the generic layout, so that ``pulang linkage evaluate`` measures the pipeline that
``pulang linkage run`` uses.

Both sources first produce three *raw* Arrow tables with the schemas below (records,
their names with the registry's matching keys, their identity numbers); :func:`prepare`
then turns them into the Splink input table inside DuckDB. Nothing here touches Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

# One row per record (a Person, or a CSV line).
RECORDS_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("sex", pa.string()),  # F / M; anything else is unknown
        ("birth_date", pa.date32()),
        ("birth_precision", pa.string()),  # day / month / year / estimated
        ("phone", pa.string()),
        ("address", pa.string()),
        ("area", pa.string()),  # the home area's code (a leaf when known)
        ("area_top", pa.string()),  # its province (first level under the country)
        ("restricted", pa.bool_()),
        ("in_scope", pa.bool_()),  # for a batch run: the record belongs to the batch
    ]
)
# Every name a record is known by, with the keys of pulang.registry.names.
NAMES_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("rank", pa.int8()),  # 0 the primary name, 1 other spellings, 2 own script
        ("folded", pa.string()),
        ("sorted_tokens", pa.string()),
        ("phonetic", pa.string()),
    ]
)
IDENTIFIERS_SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("number", pa.string()),
        ("verified", pa.bool_()),  # seen on a document
    ]
)

# Phones are compared on their last digits: "0812 3456 7890" and "+62 812 3456 7890" are
# one number, written nationally and internationally.
PHONE_DIGITS = 9
# A name word borne by more records than this share is "common" (Muhammad, Nguyen, Siti,
# Aung): sharing it says little, and the name comparison says so.
COMMON_WORD_SHARE = 0.002
COMMON_WORD_FLOOR = 50
# Blocking keys built from names are dropped where more records than this share them, so
# that a key never compares a crowd (every "Nguyen Van" of a province) with itself: the
# comparisons then grow about linearly with the registry. Figures in docs/linkage.md.
NAME_AREA_CAP = 100
WORD_PAIR_AREA_CAP = 100
WORD_AREA_YEAR_CAP = 30


class RawTables:
    """The three raw tables, filled in chunks (the registry is streamed)."""

    def __init__(self) -> None:
        self.records: list[pa.RecordBatch] = []
        self.names: list[pa.RecordBatch] = []
        self.identifiers: list[pa.RecordBatch] = []

    def add_records(self, rows: Sequence[Sequence[Any]]) -> None:
        self.records.append(_batch(RECORDS_SCHEMA, rows))

    def add_names(self, rows: Sequence[Sequence[Any]]) -> None:
        self.names.append(_batch(NAMES_SCHEMA, rows))

    def add_identifiers(self, rows: Sequence[Sequence[Any]]) -> None:
        self.identifiers.append(_batch(IDENTIFIERS_SCHEMA, rows))

    def count(self) -> int:
        """How many records."""
        return sum(batch.num_rows for batch in self.records)

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        return (
            pa.Table.from_batches(self.records, schema=RECORDS_SCHEMA),
            pa.Table.from_batches(self.names, schema=NAMES_SCHEMA),
            pa.Table.from_batches(self.identifiers, schema=IDENTIFIERS_SCHEMA),
        )


def _batch(schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> pa.RecordBatch:
    columns: Iterable[Sequence[Any]] = zip(*rows, strict=True) if rows else [[]] * len(schema)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(list(column), type=field.type)
            for column, field in zip(columns, schema, strict=True)
        ],
        schema=schema,
    )


# The Splink input is built in steps (each a temporary table), then joined once.
_STEPS = (
    # Every name's keys; the primary name (lowest rank) gives the whole-name keys.
    """
    CREATE OR REPLACE TEMP TABLE linkage_names AS
    SELECT unique_id,
           arg_min(folded, rank) AS name,
           arg_min(sorted_tokens, rank) AS name_sorted,
           arg_min(phonetic, rank) AS name_phonetic,
           list_sort(list_distinct(flatten(list(string_split(folded, ' '))))) AS tokens,
           list_sort(list_distinct(flatten(list(string_split(phonetic, ' '))))) AS phon_tokens
    FROM {names}
    WHERE folded IS NOT NULL AND folded <> ''
    GROUP BY unique_id
    """,
    """
    CREATE OR REPLACE TEMP TABLE linkage_words AS
    SELECT n.unique_id, n.word, r.area_top, year(r.birth_date) AS birth_year
    FROM (SELECT unique_id, unnest(phon_tokens) AS word FROM linkage_names) AS n
    JOIN {records} AS r USING (unique_id)
    """,
    """
    CREATE OR REPLACE TEMP TABLE linkage_rare AS
    SELECT unique_id, list_sort(list(word)) AS rare_words
    FROM linkage_words
    WHERE word IN (SELECT word FROM linkage_words GROUP BY word HAVING count(*) <= {common})
    GROUP BY unique_id
    """,
    # Two words of a name with the province ("aminah siti|ID-JI").
    """
    CREATE OR REPLACE TEMP TABLE linkage_pairs AS
    WITH keys AS (
        SELECT DISTINCT a.unique_id, a.word || ' ' || b.word || '|' || a.area_top AS k
        FROM linkage_words AS a JOIN linkage_words AS b
          ON a.unique_id = b.unique_id AND a.word < b.word
        WHERE a.area_top IS NOT NULL
    )
    SELECT unique_id, list_sort(list(k)) AS pair_keys FROM keys
    WHERE k IN (SELECT k FROM keys GROUP BY k HAVING count(*) <= {pair_cap})
    GROUP BY unique_id
    """,
    # One word with the province and the year of birth.
    """
    CREATE OR REPLACE TEMP TABLE linkage_word_years AS
    WITH keys AS (
        SELECT DISTINCT unique_id, word || '|' || area_top || '|' || birth_year AS k
        FROM linkage_words WHERE area_top IS NOT NULL AND birth_year IS NOT NULL
    )
    SELECT unique_id, list_sort(list(k)) AS word_year_keys FROM keys
    WHERE k IN (SELECT k FROM keys GROUP BY k HAVING count(*) <= {word_year_cap})
    GROUP BY unique_id
    """,
    """
    CREATE OR REPLACE TEMP TABLE linkage_ids AS
    SELECT unique_id,
           list_sort(list_distinct(list(number))) AS ids,
           list_sort(list_distinct(list(number) FILTER (WHERE verified))) AS verified_ids
    FROM (
        SELECT unique_id,
               upper(regexp_replace(number, '[^0-9A-Za-z]', '', 'g')) AS number,
               coalesce(verified, false) AS verified
        FROM {identifiers}
    ) WHERE length(number) >= 4
    GROUP BY unique_id
    """,
    # Empty values become NULL so that Splink's null levels (no evidence) catch them.
    """
    CREATE OR REPLACE TABLE {output} AS
    WITH base AS (
        SELECT
            r.unique_id,
            n.name,
            n.name_sorted,
            n.name_phonetic,
            replace(n.name_sorted, ' ', '') AS name_joined,
            CASE WHEN len(n.tokens) > 0 THEN n.tokens END AS tokens,
            CASE WHEN len(n.phon_tokens) > 0 THEN n.phon_tokens END AS phon_tokens,
            {word_columns},
            least(len(n.phon_tokens), {max_words}) AS word_count,
            {rare_columns},
            x.pair_keys,
            y.word_year_keys,
            CASE WHEN r.sex IN ('F', 'M') THEN r.sex END AS sex,
            r.birth_date,
            CASE WHEN r.birth_date IS NULL THEN NULL
                 WHEN r.birth_precision IN ('month', 'year', 'estimated') THEN r.birth_precision
                 ELSE 'day' END AS birth_precision,
            year(r.birth_date) AS birth_year,
            CASE WHEN len(i.ids) > 0 THEN i.ids END AS ids,
            i.ids[1] AS id_a,
            i.ids[2] AS id_b,
            {shape_a} AS id_shape_a,
            {shape_b} AS id_shape_b,
            CASE WHEN len(i.verified_ids) > 0 THEN i.verified_ids END AS verified_ids,
            CASE WHEN length(regexp_replace(coalesce(r.phone, ''), '[^0-9]', '', 'g')) >= 7
                 THEN right(regexp_replace(r.phone, '[^0-9]', '', 'g'), {phone_digits})
                 END AS phone,
            nullif(trim(regexp_replace(lower(strip_accents(coalesce(r.address, ''))),
                                       '[^a-z0-9]+', ' ', 'g')), '') AS address,
            nullif(trim(r.area), '') AS area,
            nullif(trim(r.area_top), '') AS area_top,
            coalesce(r.restricted, false) AS restricted,
            coalesce(r.in_scope, true) AS in_scope
        FROM {records} AS r
        LEFT JOIN linkage_names AS n USING (unique_id)
        LEFT JOIN linkage_rare AS w USING (unique_id)
        LEFT JOIN linkage_pairs AS x USING (unique_id)
        LEFT JOIN linkage_word_years AS y USING (unique_id)
        LEFT JOIN linkage_ids AS i USING (unique_id)
    )
    SELECT base.*,
           CASE WHEN birth_precision = 'day' THEN birth_date END AS birth_day,
           CASE WHEN name_phonetic IS NOT NULL AND area_top IS NOT NULL
                     AND count(*) OVER (PARTITION BY name_phonetic, area_top) <= {name_area_cap}
                THEN name_phonetic || '|' || area_top END AS name_area_key
    FROM base
    """,
)

# The first phonetic words of a record, one per column: comparing them pairwise is plain
# SQL (portable to Spark) and much faster than list functions. Five words cover all but
# about one name in ten thousand.
WORD_COLUMNS = ("word1", "word2", "word3", "word4", "word5")
# Its words that are not common, likewise.
RARE_COLUMNS = ("rare1", "rare2", "rare3")


def _shape(number: str) -> str:
    """The form of a document number, digits as 9 and letters as A: two numbers of one
    form that differ are two documents of one kind (two national IDs), strong evidence of
    two people; numbers of different forms are usually a passport and an ID card."""
    return f"regexp_replace(regexp_replace({number}, '[0-9]', '9', 'g'), '[A-Z]', 'A', 'g')"


def common_word_limit(records: int) -> int:
    """How many records may share a name word before it counts as common."""
    return max(COMMON_WORD_FLOOR, int(records * COMMON_WORD_SHARE))


# Values of the name, phonetic key and date of birth borne by at least this many people
# are kept by a run over the whole registry, for the door (linkage.models.TermFrequency).
TF_KEPT_FLOOR = 100


def common_values(con: duckdb.DuckDBPyConnection, prepared: str) -> list[tuple[str, str, int]]:
    """(column, value, people) for the primary names, phonetic keys and dates of birth
    at least ``TF_KEPT_FLOOR`` people of the prepared input share."""
    parts = [
        f"SELECT '{column}', CAST({column} AS VARCHAR), count(*) FROM {prepared} "  # noqa: S608
        f"WHERE {column} IS NOT NULL GROUP BY {column} HAVING count(*) >= {TF_KEPT_FLOOR}"
        for column in ("name", "name_phonetic", "birth_date")
    ]
    rows = con.execute(" UNION ALL ".join(parts)).fetchall()
    return [(str(column), str(value), int(count)) for column, value, count in rows]


def common_words(
    con: duckdb.DuckDBPyConnection, names: pa.Table, records: int
) -> list[tuple[str, int]]:
    """The name words (phonetic) more than ``common_word_limit(records)`` people bear, or
    at least ``TF_KEPT_FLOOR`` when that is fewer, and how many: each person's words as
    ``prepare`` takes them (of every name with a transliterated form), each person counted
    once. The door needs to know only whether a word is common: one borne by far fewer
    people than the limit needs no count there either."""
    con.register("linkage_names_for_words", names)
    try:
        rows = con.execute(
            "SELECT word, count(*) FROM ("
            "  SELECT DISTINCT unique_id, unnest(string_split(phonetic, ' ')) AS word"
            "  FROM linkage_names_for_words WHERE folded IS NOT NULL AND folded <> ''"
            ") WHERE word <> '' GROUP BY word HAVING count(*) >= ?",
            [min(common_word_limit(records) + 1, TF_KEPT_FLOOR)],
        ).fetchall()
    finally:
        con.unregister("linkage_names_for_words")
    return [(str(word), int(count)) for word, count in rows]


def prepare(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table,
    names: pa.Table,
    identifiers: pa.Table,
    *,
    output: str = "linkage_input",
) -> int:
    """Create the Splink input table ``output`` in ``con`` from the raw tables; returns
    how many records it holds."""
    con.register("raw_records", records)
    con.register("raw_names", names)
    con.register("raw_identifiers", identifiers)
    values = {
        "output": output,
        "records": "raw_records",
        "names": "raw_names",
        "identifiers": "raw_identifiers",
        "common": common_word_limit(records.num_rows),
        "pair_cap": WORD_PAIR_AREA_CAP,
        "word_year_cap": WORD_AREA_YEAR_CAP,
        "name_area_cap": NAME_AREA_CAP,
        "phone_digits": PHONE_DIGITS,
        "word_columns": ", ".join(
            f"n.phon_tokens[{i}] AS {column}" for i, column in enumerate(WORD_COLUMNS, 1)
        ),
        "rare_columns": ", ".join(
            f"w.rare_words[{i}] AS {column}" for i, column in enumerate(RARE_COLUMNS, 1)
        ),
        "max_words": len(WORD_COLUMNS),
        "shape_a": _shape("i.ids[1]"),
        "shape_b": _shape("i.ids[2]"),
    }
    try:
        for step in _STEPS:
            con.execute(step.format(**values))
    finally:
        for name in ("raw_records", "raw_names", "raw_identifiers"):
            con.unregister(name)
        for temp in ("names", "words", "rare", "pairs", "word_years", "ids"):
            con.execute(f"DROP TABLE IF EXISTS linkage_{temp}")
    rows = con.execute(f"SELECT count(*) FROM {output}").fetchall()  # noqa: S608
    return int(rows[0][0])
