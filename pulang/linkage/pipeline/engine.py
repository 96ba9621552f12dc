"""The linkage engine: raw tables in, scored pairs out, inside one DuckDB connection.

The same function serves a registry run (pipeline/run.py) and ``pulang linkage evaluate``
(pipeline/evaluation.py): prepare the input, train a model or take the stored one,
block, score, cluster. It never touches Django's database.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb
import splink

from pulang.linkage.pipeline import frame, model
from pulang.linkage.pipeline.frame import RawTables
from pulang.linkage.pipeline.model import Training

logger = logging.getLogger(__name__)

INPUT_TABLE = "linkage_input"
PREDICTIONS_TABLE = "linkage_predictions"
CLUSTERS_TABLE = "linkage_clusters"
# Fewer records than this cannot train a model (too few pairs agree on anything).
MIN_RECORDS_TO_TRAIN = 50
# Training effort: random pairs for the u probabilities, pairs per EM pass.
U_PAIRS = 5e6
EM_PAIRS = 2e6
SEED = 1
# What a comparison shows the reviewer, per comparison: the columns compared.
SHOWN_COLUMNS = {
    "name": "name",
    "birth_date": "birth_date",
    "ids": "ids",
    "phone": "phone",
    "area": "area",
    "address": "address",
    "sex": "sex",
}


@dataclass(frozen=True)
class Options:
    review_threshold: float
    auto_threshold: float
    # Keep scored pairs from this probability up (evaluation sweeps thresholds below the
    # review threshold); None: the review threshold.
    keep_from: float | None = None
    scoped: bool = False
    memory_limit: str = "4GB"
    threads: int = 0
    seed: int = SEED


@dataclass
class Result:
    """What the engine found; the tables live in ``con`` until it is closed."""

    con: duckdb.DuckDBPyConnection
    spill: str = ""
    records: int = 0
    comparisons: int = 0
    pairs: int = 0
    clusters: int = 0
    model: dict[str, Any] | None = None
    trained: Training | None = None
    # Over the whole registry (not a scoped run): the common name words and their counts.
    common_words: list[tuple[str, int]] | None = None
    # …and the values of name, phonetic key and date of birth many people share.
    common_values: list[tuple[str, str, int]] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def close(self) -> None:
        self.con.close()
        if self.spill:
            shutil.rmtree(self.spill, ignore_errors=True)


@contextmanager
def _phase(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - started, 2)


def connect(options: Options) -> tuple[duckdb.DuckDBPyConnection, str]:
    """An in-memory DuckDB that spills to a private temporary directory past its limit."""
    con = duckdb.connect(":memory:")
    threads = options.threads or os.cpu_count() or 1
    spill = tempfile.mkdtemp(prefix="pulang-linkage-")
    con.execute("SET memory_limit = ?", [options.memory_limit])
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET temp_directory = ?", [spill])
    con.execute("SET preserve_insertion_order = false")
    return con, spill


def _empty_predictions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE OR REPLACE TABLE {PREDICTIONS_TABLE} AS "
        "SELECT CAST(NULL AS BIGINT) AS unique_id_l, CAST(NULL AS BIGINT) AS unique_id_r, "
        "CAST(NULL AS DOUBLE) AS match_probability, CAST(NULL AS DOUBLE) AS match_weight "
        "WHERE false"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {CLUSTERS_TABLE} AS "  # noqa: S608 - constant name
        f"SELECT unique_id, unique_id AS cluster_id FROM {INPUT_TABLE}"
    )


def train(
    con: duckdb.DuckDBPyConnection, options: Options, records: int
) -> tuple[dict[str, Any], Training]:
    """A new model, trained on the prepared input."""
    linker = model.linker_for(con, INPUT_TABLE, model.settings(scoped=options.scoped))
    training = model.train(
        linker,
        seed=options.seed,
        u_pairs=min(model_u_pairs(records), U_PAIRS),
        em_pairs=EM_PAIRS,
    )
    trained = model.calibrate(model.trained_settings(linker), con, INPUT_TABLE, training)
    return trained, training


def model_u_pairs(records: int) -> float:
    """Random pairs for the u probabilities: all of a small input, at most ``U_PAIRS``."""
    return float(max(1, records * (records - 1) // 2))


def link(
    raw: RawTables,
    *,
    options: Options,
    stored: dict[str, Any] | None,
    on_blocked: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
) -> Result:
    """Prepare, train (when ``stored`` is None), block, score and cluster."""
    con, spill = connect(options)
    result = Result(con=con, spill=spill)
    timings = result.timings
    try:
        with _phase(timings, "prepare"):
            records, names, identifiers = raw.tables()
            result.records = frame.prepare(con, records, names, identifiers, output=INPUT_TABLE)
            if not options.scoped:
                result.common_words = frame.common_words(con, names, records.num_rows)
                result.common_values = frame.common_values(con, INPUT_TABLE)
        if stored is None and result.records < MIN_RECORDS_TO_TRAIN and result.records >= 2:
            raise TooFewRecords(result.records)
        if result.records < 2:
            _empty_predictions(con)
            result.model = stored
            return result
        if stored is None:
            with _phase(timings, "train"):
                result.model, result.trained = train(con, options, result.records)
        else:
            result.model = scoped_model(stored, scoped=options.scoped)
        linker = model.linker_for(con, INPUT_TABLE, result.model)
        with _phase(timings, "block"):
            blocked = linker.inference.compute_blocked_pairs_for_predict()
            counted = con.execute(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()  # noqa: S608
            result.comparisons = int(counted[0][0])
            if on_blocked is not None:
                on_blocked(con, blocked.physical_name)
        keep = options.review_threshold if options.keep_from is None else options.keep_from
        with _phase(timings, "predict"):
            predictions = model.predict(linker, floor=keep)
            con.execute(
                f"CREATE OR REPLACE TABLE {PREDICTIONS_TABLE} AS "  # noqa: S608 - Splink's name
                f"SELECT * FROM {predictions.physical_name}"
            )
            predictions.drop_table_from_database_and_remove_from_cache()
            blocked.drop_table_from_database_and_remove_from_cache()
            counted = con.execute(f"SELECT count(*) FROM {PREDICTIONS_TABLE}").fetchall()  # noqa: S608
            result.pairs = int(counted[0][0])
        with _phase(timings, "cluster"):
            result.clusters = cluster(linker, con, options.review_threshold)
        return result
    except BaseException:
        result.close()
        raise


class TooFewRecords(Exception):
    def __init__(self, records: int) -> None:
        super().__init__(records)
        self.records = records


def scoped_model(stored: dict[str, Any], *, scoped: bool) -> dict[str, Any]:
    """The stored model with the blocking rules of this run (the whole registry, or only
    pairs with a record in scope); the comparisons and parameters are unchanged."""
    settings = dict(stored)
    rules = model.settings(scoped=scoped).create_settings_dict(model.DIALECT)
    settings["blocking_rules_to_generate_predictions"] = rules[
        "blocking_rules_to_generate_predictions"
    ]
    return settings


def cluster(linker: splink.Linker, con: duckdb.DuckDBPyConnection, threshold: float) -> int:
    """Connected components of the pairs at or above ``threshold``; how many groups of
    two or more records."""
    api = linker._db_api
    predictions = api.register(PREDICTIONS_TABLE, table_name="linkage_scored")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {CLUSTERS_TABLE} AS "  # noqa: S608 - Splink's name
        f"SELECT unique_id, cluster_id FROM {clusters.physical_name}"
    )
    clusters.drop_table_from_database_and_remove_from_cache()
    rows = con.execute(
        f"SELECT count(*) FROM (SELECT cluster_id FROM {CLUSTERS_TABLE} "  # noqa: S608
        "GROUP BY cluster_id HAVING count(*) > 1)"
    ).fetchall()
    return int(rows[0][0])


def level_labels(stored: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Comparison → comparison vector value (gamma) → level label. Splink numbers the
    levels from the bottom (the last, "else", is 0) and the null level -1."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in stored["comparisons"]:
        levels = comparison["comparison_levels"]
        ordinary = [lv for lv in levels if not lv.get("is_null_level")]
        by_gamma = {
            len(ordinary) - 1 - i: str(lv["label_for_charts"]) for i, lv in enumerate(ordinary)
        }
        by_gamma[-1] = "missing on either side"
        labels[str(comparison["output_column_name"])] = by_gamma
    return labels


def level_weights(stored: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every level's label, m, u and weight (log2 m/u): the model as a reviewer reads it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for comparison in stored["comparisons"]:
        rows = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = (
                round(math.log2(m / u), 2)
                if isinstance(m, float | int) and isinstance(u, float | int) and m > 0 and u > 0
                else None
            )
            rows.append({"level": level["label_for_charts"], "m": m, "u": u, "weight": weight})
        out[str(comparison["output_column_name"])] = rows
    return out


def _shown(value: object) -> object:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class ScoredPair:
    person_a: int
    person_b: int
    probability: float
    weight: float
    shares_verified_id: bool
    restricted: bool
    comparisons: dict[str, dict[str, Any]]


def scored_pairs(result: Result, *, threshold: float) -> Iterator[ScoredPair]:
    """The pairs at or above ``threshold``, each with its comparisons explained."""
    if result.model is None or result.pairs == 0:
        return
    labels = level_labels(result.model)
    columns = {row[0] for row in result.con.execute(f"DESCRIBE {PREDICTIONS_TABLE}").fetchall()}
    select = [
        "least(unique_id_l, unique_id_r)",
        "greatest(unique_id_l, unique_id_r)",
        "match_probability",
        "match_weight",
        "coalesce(list_has_any(verified_ids_l, verified_ids_r), false)",
        "coalesce(restricted_l, false) OR coalesce(restricted_r, false)",
    ]
    names = list(labels)
    for name in names:
        weight = f"mw_{name}" + (
            f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in columns else ""
        )
        shown = SHOWN_COLUMNS.get(name, name)
        select += [f"gamma_{name}", weight, f"{shown}_l", f"{shown}_r"]
    cursor = result.con.execute(
        f"SELECT {', '.join(select)} FROM {PREDICTIONS_TABLE} "  # noqa: S608 - built here
        f"WHERE match_probability >= ? ORDER BY 1, 2",
        [threshold],
    )
    while True:
        rows = cursor.fetchmany(10_000)
        if not rows:
            return
        for row in rows:
            comparisons: dict[str, dict[str, Any]] = {}
            for index, name in enumerate(names):
                gamma, weight, value_l, value_r = row[6 + 4 * index : 10 + 4 * index]
                # Splink puts the record with the smaller id on the left.
                comparisons[name] = {
                    "level": labels[name].get(int(gamma), str(gamma)),
                    "weight": round(float(weight), 2) if weight is not None else 0.0,
                    "value_a": _shown(value_l),
                    "value_b": _shown(value_r),
                }
            yield ScoredPair(
                person_a=int(row[0]),
                person_b=int(row[1]),
                probability=float(row[2]),
                weight=float(row[3]),
                shares_verified_id=bool(row[4]),
                restricted=bool(row[5]),
                comparisons=comparisons,
            )


def splink_version() -> str:
    return str(splink.__version__)
