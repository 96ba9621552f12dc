"""Scoring one new record against a few registry persons with a stored model, in process
(the duplicate check at the door, docs/linkage.md "At the door").

One DuckDB statement per check, over the raw tables (no table is written): the run's own
input preparation (:func:`frame.prepare`'s statements, recorded once and chained as common
table expressions), the registry's common words applied to the ``rare*`` columns, the term
frequencies, then Splink's own SQL for the stored settings (the pipeline
``compare_records`` builds, generated once per model). Two things a run takes from the
whole registry are supplied from outside, since a handful of records cannot tell them:
which name words are common and the term frequencies of the new record's values
(:class:`Frequencies`). Nothing here touches Django.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import duckdb
import pyarrow as pa
import sqlglot
from splink.internals.pipeline import CTEPipeline
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.settings_creator import SettingsCreator
from sqlglot import exp

from pulang.linkage.pipeline import engine, frame
from pulang.linkage.pipeline.frame import RARE_COLUMNS, RawTables

# The new record's id in the door's tables: registry ids start at 1, so it is always the
# pair's "A" side, as a run would put the older record.
NEW_ID = 0
# The columns the model adjusts by term frequency (pipeline.model).
TF_COLUMNS = ("name", "name_phonetic", "birth_date", "address")
# The address line as frame.prepare writes it; tests check that the two agree.
ADDRESS_SQL = (
    "nullif(trim(regexp_replace(lower(strip_accents(coalesce({value}, ''))), "
    "'[^a-z0-9]+', ' ', 'g')), '')"
)
_PREPARED = "door_prepared"
_LEFT, _RIGHT = "__splink__compare_records_left", "__splink__compare_records_right"


@dataclass(frozen=True)
class Frequencies:
    """What the door needs of the whole registry, counted with the new record in it (a run
    after the registration would count it too).

    ``counts`` and ``totals``: per term-frequency column, how many records carry the new
    record's value and how many carry any value; Splink's frequency is their ratio. The
    address is counted here, among ``address_lines`` (raw lines and how many people write
    each), normalised as a run normalises them, plus the new record.
    """

    common_words: frozenset[str] = frozenset()
    counts: Mapping[str, int] = field(default_factory=dict)
    totals: Mapping[str, int] = field(default_factory=dict)
    address_lines: Mapping[str, int] = field(default_factory=dict)

    def tf(self, column: str) -> float | None:
        count, total = self.counts.get(column, 0), self.totals.get(column, 0)
        return count / total if count > 0 and total > 0 else None


@dataclass(frozen=True)
class DoorScore:
    person_id: int
    probability: float
    weight: float
    # As on a CandidatePair: per comparison the level, its weight and both values (A the
    # new record).
    comparisons: dict[str, dict[str, Any]]


_local = threading.local()


def connection() -> duckdb.DuckDBPyConnection:
    """One small in-memory DuckDB per thread, kept between requests."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "door", None)
    if con is None:
        con = duckdb.connect(":memory:")
        con.execute("SET threads = 1")
        _local.door = con
    return con


def normalised_address(con: duckdb.DuckDBPyConnection, values: list[str]) -> list[str | None]:
    """Address lines as the run compares them."""
    if not values:
        return []
    expression = ADDRESS_SQL.format(value="v")
    rows = con.execute(
        f"SELECT {expression} FROM (SELECT unnest(?::VARCHAR[]) AS v, "  # noqa: S608 - constant
        "generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
        [values, values],
    ).fetchall()
    return [row[0] for row in rows]


# --- The statement, built once per model --------------------------------------------------


class _Recorder:
    """Stands in for a DuckDB connection while frame.prepare runs: keeps its statements."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def register(self, name: str, table: object) -> None:
        pass

    def unregister(self, name: str) -> None:
        pass

    def execute(self, sql: str, params: object = None) -> _Recorder:
        self.statements.append(sql)
        return self

    def fetchall(self) -> list[tuple[int]]:
        return [(0,)]


_CREATE = re.compile(
    r"^\s*CREATE OR REPLACE (?:TEMP )?TABLE (?P<name>\w+) AS\s+(?P<body>.*?)\s*$", re.DOTALL
)


def _prepare_ctes() -> list[str]:
    """frame.prepare's statements as common table expressions over the raw tables (the
    names it registers them under), its output named ``door_prepared``: the run's own
    columns, built the run's own way."""
    recorder = _Recorder()
    empty = (
        frame.RECORDS_SCHEMA.empty_table(),
        frame.NAMES_SCHEMA.empty_table(),
        frame.IDENTIFIERS_SCHEMA.empty_table(),
    )
    frame.prepare(cast(duckdb.DuckDBPyConnection, recorder), *empty, output=_PREPARED)
    ctes = []
    for sql in recorder.statements:
        created = _CREATE.match(sql)
        if created is not None:
            ctes.append(f"{created['name']} AS (\n{created['body']}\n)")
        elif not sql.lstrip().startswith(("DROP TABLE", "SELECT count(*)")):
            raise ValueError(f"frame.prepare wrote a statement the door cannot chain: {sql!r}")
    return ctes


def _splink_ctes(settings: dict[str, Any]) -> tuple[list[tuple[str, str]], str]:
    """Splink's SQL for comparing every left record with every right one (the pipeline
    ``compare_records`` runs): its steps, in order, and the last one's name."""
    settings_obj = SettingsCreator.from_path_or_dict(settings).get_settings("duckdb")
    settings_obj._retain_matching_columns = True
    settings_obj._retain_intermediate_calculation_columns = True
    pipeline = CTEPipeline()
    pipeline.enqueue_sql(
        f"SELECT {', '.join(settings_obj._columns_to_select_for_blocking)}, 0 AS match_key "  # noqa: S608
        f"FROM {_LEFT} AS l JOIN {_RIGHT} AS r ON 1=1",
        "__splink__compare_two_records_blocked",
    )
    pipeline.enqueue_sql(
        f"SELECT {', '.join(settings_obj._columns_to_select_for_comparison_vector_values)} "  # noqa: S608
        "FROM __splink__compare_two_records_blocked",
        "__splink__df_comparison_vectors",
    )
    pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(settings_obj))
    ctes = [(cte.output_table_name, cte.sql) for cte in pipeline.ctes_pipeline()]
    return ctes, ctes[-1][0]


# --- Splink's SQL, evaluated in Python -------------------------------------------------------
# Planning Splink's comparison SQL costs DuckDB far more than scoring twenty pairs (its
# expressions are large): the door evaluates the same SQL, parsed once per model, row by
# row. Each node becomes a closure with SQL's NULL logic; a node of any other kind is
# refused, so that a model the evaluator cannot read fails loudly (tests/linkage). The
# string similarities are DuckDB's own, asked for all pairs at once.

Row = dict[str, Any]
_Eval = Callable[[Row], Any]
# DuckDB's string functions the level conditions use: asked of DuckDB in one batch.
_STRING_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.JarowinklerSimilarity: "jaro_winkler_similarity",
    exp.Levenshtein: "levenshtein",
}


class _Strings:
    """Values of DuckDB's string functions for the pairs at hand, by (function, a, b)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], Any] = {}
        self.wanted: set[tuple[str, str, str]] = set()


def _compare(op: Callable[[Any, Any], Any]) -> Callable[[_Eval, _Eval], _Eval]:
    def build(a: _Eval, b: _Eval) -> _Eval:
        def run(row: Row) -> Any:
            x, y = a(row), b(row)
            return None if x is None or y is None else op(x, y)

        return run

    return build


def _arithmetic(op: Callable[[Any, Any], Any]) -> Callable[[_Eval, _Eval], _Eval]:
    return _compare(op)


def _and(a: _Eval, b: _Eval) -> _Eval:
    def run(row: Row) -> Any:
        x = a(row)
        if x is False:
            return False
        y = b(row)
        if y is False:
            return False
        return None if x is None or y is None else True

    return run


def _or(a: _Eval, b: _Eval) -> _Eval:
    def run(row: Row) -> Any:
        x = a(row)
        if x is True:
            return True
        y = b(row)
        if y is True:
            return True
        return None if x is None or y is None else False

    return run


def _unary(op: Callable[[Any], Any], a: _Eval) -> _Eval:
    def run(row: Row) -> Any:
        x = a(row)
        return None if x is None else op(x)

    return run


def _case(branches: list[tuple[_Eval, _Eval]], default: _Eval | None) -> _Eval:
    def run(row: Row) -> Any:
        for condition, value in branches:
            if condition(row) is True:
                return value(row)
        return default(row) if default is not None else None

    return run


def _cast(kind: Any, a: _Eval) -> _Eval:
    if kind in (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT):
        return _unary(float, a)
    if kind in (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR):
        return _unary(lambda v: v.isoformat() if isinstance(v, dt.date) else str(v), a)
    raise ValueError(f"the door cannot evaluate a cast to {kind}")


def _nonnull(pick: Callable[[list[Any]], Any], items: list[_Eval]) -> _Eval:
    def run(row: Row) -> Any:
        values = [v for v in (item(row) for item in items) if v is not None]
        return pick(values) if values else None

    return run


def _member(value: _Eval, options: list[_Eval]) -> _Eval:
    def run(row: Row) -> Any:
        x = value(row)
        return None if x is None else any(x == option(row) for option in options)

    return run


def _coalesce(items: list[_Eval]) -> _Eval:
    def run(row: Row) -> Any:
        for item in items:
            value = item(row)
            if value is not None:
                return value
        return None

    return run


def _string_function(name: str, a: _Eval, b: _Eval, strings: _Strings) -> _Eval:
    def run(row: Row) -> Any:
        x, y = a(row), b(row)
        if x is None or y is None:
            return None
        key = (name, x, y)
        if key not in strings.values:
            strings.wanted.add(key)
            return None  # the first pass only collects what to ask DuckDB
        return strings.values[key]

    return run


def _date_diff(unit: str, start: _Eval, end: _Eval) -> _Eval:
    if unit.lower() != "day":
        raise ValueError(f"the door cannot evaluate date_diff in {unit}")
    return _compare(lambda x, y: (y - x).days)(start, end)


_BINARY: dict[type[exp.Expression], Callable[[_Eval, _Eval], _Eval]] = {
    exp.EQ: _compare(lambda x, y: x == y),
    exp.NEQ: _compare(lambda x, y: x != y),
    exp.GT: _compare(lambda x, y: x > y),
    exp.GTE: _compare(lambda x, y: x >= y),
    exp.LT: _compare(lambda x, y: x < y),
    exp.LTE: _compare(lambda x, y: x <= y),
    exp.Add: _arithmetic(lambda x, y: x + y),
    exp.Sub: _arithmetic(lambda x, y: x - y),
    exp.Mul: _arithmetic(lambda x, y: x * y),
    exp.Div: _arithmetic(lambda x, y: x / y if y else None),
    exp.Pow: _arithmetic(lambda x, y: math.pow(x, y)),
    exp.And: _and,
    exp.Or: _or,
}
_UNARY: dict[type[exp.Expression], Callable[[Any], Any]] = {
    exp.Neg: lambda x: -x,
    exp.Abs: abs,
    exp.Length: len,
    exp.Year: lambda d: d.year,
    exp.Month: lambda d: d.month,
    exp.Day: lambda d: d.day,
}


def _build(node: exp.Expression, strings: _Strings) -> _Eval:
    """A closure evaluating ``node`` on a row (SQL's NULL logic: None)."""

    def sub(key: str) -> _Eval:
        return _build(node.args[key], strings)

    if isinstance(node, exp.Column):
        table, name = node.table, node.name
        if table:
            return lambda row: row[table][name]
        return lambda row: row[name]
    if isinstance(node, exp.Literal):
        value: Any = node.this if node.is_string else _number(node.this)
        return lambda row: value
    if isinstance(node, exp.Null):
        return lambda row: None
    if isinstance(node, exp.Boolean):
        truth = bool(node.this)
        return lambda row: truth
    if isinstance(node, exp.Paren):
        return sub("this")
    if type(node) in _BINARY:
        return _BINARY[type(node)](sub("this"), sub("expression"))
    if type(node) in _UNARY:
        return _unary(_UNARY[type(node)], sub("this"))
    if isinstance(node, exp.Not):
        return _unary(lambda x: not x, sub("this"))
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        inner = sub("this")
        return lambda row: inner(row) is None
    if isinstance(node, exp.In):
        return _member(sub("this"), [_build(item, strings) for item in node.expressions])
    if isinstance(node, exp.Case):
        branches = [
            (_build(i.this, strings), _build(i.args["true"], strings)) for i in node.args["ifs"]
        ]
        default = node.args.get("default")
        return _case(branches, _build(default, strings) if default is not None else None)
    if isinstance(node, exp.Cast):
        return _cast(node.to.this, sub("this"))
    if isinstance(node, exp.Coalesce):
        return _coalesce([sub("this"), *(_build(e, strings) for e in node.expressions)])
    if isinstance(node, exp.Greatest | exp.Least):
        pick = max if isinstance(node, exp.Greatest) else min
        return _nonnull(pick, [sub("this"), *(_build(e, strings) for e in node.expressions)])
    if isinstance(node, exp.Log) and node.expression is not None:
        base = _number(node.this.this) if isinstance(node.this, exp.Literal) else None
        if base == 2:
            return _unary(math.log2, sub("expression"))
    if type(node) in _STRING_FUNCTIONS:
        return _string_function(
            _STRING_FUNCTIONS[type(node)], sub("this"), sub("expression"), strings
        )
    if isinstance(node, exp.DateDiff):
        return _date_diff(node.text("unit"), sub("expression"), sub("this"))
    if isinstance(node, exp.ArraySize):
        inner = node.this
        if isinstance(inner, exp.Anonymous) and inner.name.lower() == "list_intersect":
            a, b = (_build(e, strings) for e in inner.expressions)
            return _compare(lambda x, y: len({*x} & {*y}))(a, b)
    raise ValueError(f"the door cannot evaluate {node.sql(dialect='duckdb')!r}")


def _number(text: Any) -> int | float:
    value = float(text)
    return (
        int(value)
        if value.is_integer() and "." not in str(text) and "e" not in str(text).lower()
        else value
    )


@dataclass(frozen=True)
class _Step:
    """One of Splink's steps: the columns it selects, each a name and a closure."""

    columns: list[tuple[str, _Eval]]

    def __call__(self, row: Row) -> Row:
        return {name: value(row) for name, value in self.columns}


def _step(sql: str, strings: _Strings) -> _Step:
    tree = sqlglot.parse_one(sql, read="duckdb")
    if not isinstance(tree, exp.Select):
        raise ValueError("the door expects a SELECT")
    columns = [(e.alias_or_name, _build(e.unalias(), strings)) for e in tree.expressions]
    return _Step(columns)


@dataclass(frozen=True)
class _Model:
    """A stored model, ready to score: Splink's steps for comparing a left and a right
    record, as closures, and how to read their result."""

    steps: list[_Step]
    strings: _Strings
    # Comparison → (has a term-frequency adjustment, the column shown to the reviewer).
    comparisons: dict[str, tuple[bool, str]]
    labels: dict[str, dict[int, str]]

    def evaluate(self, pairs: list[Row], *, steps: int | None = None) -> list[Row]:
        rows = pairs
        for step in self.steps[:steps]:
            rows = [step(row) for row in rows]
        return rows


def _model(settings: dict[str, Any]) -> _Model:
    splink_ctes, _last = _splink_ctes(settings)
    strings = _Strings()
    steps = [_step(sql, strings) for _name, sql in splink_ctes]
    predict_sql = "\n".join(sql for _name, sql in splink_ctes)
    labels = engine.level_labels(settings)
    comparisons = {
        name: (f"mw_tf_adj_{name}" in predict_sql, engine.SHOWN_COLUMNS.get(name, name))
        for name in labels
    }
    return _Model(steps=steps, strings=strings, comparisons=comparisons, labels=labels)


# The steps that compare (and so call the string functions): blocking and comparison
# vectors; the rest weigh.
_COMPARISON_STEPS = 2
_models: dict[str, _Model] = {}
_models_lock = threading.Lock()


def _model_for(settings: dict[str, Any], cache_key: str) -> _Model:
    held = _models.get(cache_key)
    if held is None:
        with _models_lock:
            held = _models.get(cache_key)
            if held is None:
                held = _models[cache_key] = _model(settings)
    return held


def forget_models() -> None:
    """Drop the models built so far (tests: a rolled-back database gives its ids again)."""
    with _models_lock:
        _models.clear()


_FRAME_SQL: list[str] = []


def _frame_sql() -> str:
    """frame.prepare's statements as one query."""
    if not _FRAME_SQL:
        ctes = _prepare_ctes()
        _FRAME_SQL.append("WITH " + ",\n".join(ctes) + f"\nSELECT * FROM {_PREPARED}")
    return _FRAME_SQL[0]


# --- Scoring --------------------------------------------------------------------------------


def _shown(value: object) -> object:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _prepared(con: duckdb.DuckDBPyConnection, raw: RawTables) -> list[Row]:
    """The records as a run's input rows (frame.prepare's columns)."""
    tables: Sequence[pa.Table] = raw.tables()
    names = ("raw_records", "raw_names", "raw_identifiers")
    try:
        for name, table in zip(names, tables, strict=True):
            con.register(name, table)
        cursor = con.execute(_frame_sql())
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        for name in names:
            con.unregister(name)


def _duckdb_values(
    con: duckdb.DuckDBPyConnection, wanted: list[tuple[str, str, str]], lines: list[str]
) -> tuple[list[Any], list[str | None]]:
    """DuckDB's string functions for ``wanted``, and ``lines`` normalised as addresses."""
    jw = [(a, b) for f, a, b in wanted if f == "jaro_winkler_similarity"]
    lev = [(a, b) for f, a, b in wanted if f == "levenshtein"]
    pairs = (
        "(SELECT unnest(${a}::VARCHAR[]) AS a, unnest(${b}::VARCHAR[]) AS b, "
        "generate_subscripts(${a}::VARCHAR[], 1) AS i)"
    )
    address = ADDRESS_SQL.format(value="v")
    row = con.execute(
        "SELECT (SELECT list(jaro_winkler_similarity(a, b) ORDER BY i) "  # noqa: S608 - constants
        f"FROM {pairs.format(a='ja', b='jb')}), "
        "(SELECT list(levenshtein(a, b) ORDER BY i) "
        f"FROM {pairs.format(a='la', b='lb')}), "
        f"(SELECT list({address} ORDER BY i) FROM (SELECT unnest($lines::VARCHAR[]) AS v, "
        "generate_subscripts($lines::VARCHAR[], 1) AS i))",
        {
            "ja": [a for a, _ in jw],
            "jb": [b for _, b in jw],
            "la": [a for a, _ in lev],
            "lb": [b for _, b in lev],
            "lines": lines,
        },
    ).fetchall()[0]
    values = [*(row[0] or []), *(row[1] or [])]
    return values, list(row[2] or [])


def score(
    raw: RawTables, *, settings: dict[str, Any], cache_key: str, frequencies: Frequencies
) -> list[DoorScore]:
    """Score the new record (``NEW_ID`` in ``raw``) against every other record in ``raw``
    with the stored model ``settings``; the weights are what a run gives the same pairs."""
    model = _model_for(settings, cache_key)
    con = connection()
    records = _prepared(con, raw)
    new = next((r for r in records if r["unique_id"] == NEW_ID), None)
    pairs = [{"l": new, "r": r} for r in records if r["unique_id"] != NEW_ID]
    if new is None or not pairs:
        return []
    for record in records:
        rare = [w for w in record["phon_tokens"] or [] if w not in frequencies.common_words]
        for index, column in enumerate(RARE_COLUMNS):
            record[column] = rare[index] if index < len(rare) else None
        for column in TF_COLUMNS:
            record[f"tf_{column}"] = None
    lines = sorted(frequencies.address_lines.items())
    with _models_lock:
        strings = model.strings
        strings.values.clear()
        strings.wanted.clear()
        # A first pass collects the string functions' arguments; DuckDB answers them, and
        # normalises the address lines, in one query; the second pass scores.
        model.evaluate(pairs, steps=_COMPARISON_STEPS)
        wanted = sorted(strings.wanted)
        values, normalised = _duckdb_values(con, wanted, [line for line, _people in lines])
        strings.values.update(zip(wanted, values, strict=True))
        tf = {
            "name": frequencies.tf("name"),
            "name_phonetic": frequencies.tf("name_phonetic"),
            "birth_date": frequencies.tf("birth_date"),
            "address": _address_tf(new["address"], lines, normalised, frequencies),
        }
        # Splink adjusts a level by the frequency of the value both sides share, so only
        # the new record's values matter; other values get no adjustment (NULL).
        for record in records:
            for column, value in tf.items():
                same = record[column] is not None and record[column] == new[column]
                record[f"tf_{column}"] = value if same else None
        scored = model.evaluate(pairs)
        strings.values.clear()
    return [_read(model, row) for row in sorted(scored, key=lambda r: r["unique_id_r"])]


def _address_tf(
    address: str | None,
    lines: list[tuple[str, int]],
    normalised: list[str | None],
    frequencies: Frequencies,
) -> float | None:
    """How common the new record's address line is among the lines counted, itself
    included."""
    total = frequencies.totals.get("address", 0)
    if address is None or total <= 0:
        return None
    same = sum(people for (_line, people), n in zip(lines, normalised, strict=True) if n == address)
    return (1 + same) / total


def _read(model: _Model, row: Row) -> DoorScore:
    comparisons: dict[str, dict[str, Any]] = {}
    for name, (adjusted, shown) in model.comparisons.items():
        weight = row[f"mw_{name}"]
        if adjusted and weight is not None:
            weight += row[f"mw_tf_adj_{name}"] or 0.0
        gamma = row[f"gamma_{name}"]
        comparisons[name] = {
            "level": model.labels[name].get(int(gamma), str(gamma)),
            "weight": round(float(weight), 2) if weight is not None else 0.0,
            "value_a": _shown(row[f"{shown}_l"]),
            "value_b": _shown(row[f"{shown}_r"]),
        }
    return DoorScore(
        person_id=int(row["unique_id_r"]),
        probability=float(row["match_probability"]),
        weight=float(row["match_weight"]),
        comparisons=comparisons,
    )
