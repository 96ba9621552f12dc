"""Evaluation against a truth file: the figures ``pulang linkage evaluate`` and
``bench.linkage`` print, computed in DuckDB from the engine's tables.

- **pairwise** precision, recall and F1 at a threshold: pairs scored at or above it
  against the pairs of records that share a ``cluster_id``;
- **clusters**: the groups the engine forms at the review threshold (connected
  components), their pairwise figures (every two records in one group count as a pair),
  and the share of true persons (truth clusters) found exactly;
- **automatic links**: pairs at or above the automatic threshold that share a verified
  document number, and how many of them are different people (false merges);
- **blocking recall**: the share of true pairs the blocking rules let through at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.utils.translation import gettext as _

from pulang.linkage.errors import LinkageInputError
from pulang.linkage.pipeline import csvfile
from pulang.linkage.pipeline.engine import (
    CLUSTERS_TABLE,
    MIN_RECORDS_TO_TRAIN,
    PREDICTIONS_TABLE,
    Options,
    Result,
    TooFewRecords,
    link,
)

TRUTH_TABLE = "linkage_truth"
TRUTH_PAIRS_TABLE = "linkage_truth_pairs"


@dataclass
class Figures:
    """One JSON line per figure: ``{"metric", "value", "unit", ...context}``."""

    lines: list[dict[str, Any]] = field(default_factory=list)

    def add(self, metric: str, value: float | int, unit: str, **context: Any) -> None:
        self.lines.append({"metric": metric, "value": value, "unit": unit, **context})

    def value(self, metric: str, **context: Any) -> float | int | None:
        for line in self.lines:
            if line["metric"] == metric and all(line.get(k) == v for k, v in context.items()):
                return line["value"]  # type: ignore[no-any-return]
        return None


def load_truth(con: duckdb.DuckDBPyConnection, truth: dict[int, str], records: int) -> int:
    """Register the truth (records it does not name are people seen once) and its pairs;
    returns how many true pairs there are."""
    table = pa.table(
        {
            "unique_id": pa.array(list(truth), type=pa.int64()),
            "cluster": pa.array(list(truth.values()), type=pa.string()),
        }
    )
    con.register("linkage_truth_given", table)
    con.execute(
        f"CREATE OR REPLACE TABLE {TRUTH_TABLE} AS "  # noqa: S608 - constant names
        "SELECT i.unique_id, coalesce(t.cluster, '#' || i.unique_id) AS cluster "
        "FROM linkage_input AS i LEFT JOIN linkage_truth_given AS t USING (unique_id)"
    )
    con.unregister("linkage_truth_given")
    con.execute(
        f"CREATE OR REPLACE TABLE {TRUTH_PAIRS_TABLE} AS "  # noqa: S608 - constant names
        f"SELECT a.unique_id AS l, b.unique_id AS r FROM {TRUTH_TABLE} a "
        f"JOIN {TRUTH_TABLE} b ON a.cluster = b.cluster AND a.unique_id < b.unique_id"
    )
    rows = con.execute(f"SELECT count(*) FROM {TRUTH_PAIRS_TABLE}").fetchall()  # noqa: S608
    return int(rows[0][0])


def blocking_recall(con: duckdb.DuckDBPyConnection, blocked_table: str) -> tuple[int, int]:
    """(true pairs blocked, true pairs)."""
    rows = con.execute(
        f"SELECT (SELECT count(*) FROM {TRUTH_PAIRS_TABLE} t "  # noqa: S608 - names from Splink
        f"SEMI JOIN {blocked_table} b ON b.join_key_l = t.l AND b.join_key_r = t.r), "
        f"(SELECT count(*) FROM {TRUTH_PAIRS_TABLE})"
    ).fetchall()
    return int(rows[0][0]), int(rows[0][1])


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def pairwise(con: duckdb.DuckDBPyConnection, threshold: float) -> tuple[int, int, int]:
    """(pairs predicted, of which true, true pairs) at ``threshold``."""
    rows = con.execute(
        f"SELECT count(*), count(t.l), (SELECT count(*) FROM {TRUTH_PAIRS_TABLE}) "  # noqa: S608
        f"FROM {PREDICTIONS_TABLE} p LEFT JOIN {TRUTH_PAIRS_TABLE} t "
        "ON t.l = least(p.unique_id_l, p.unique_id_r) "
        "AND t.r = greatest(p.unique_id_l, p.unique_id_r) "
        "WHERE p.match_probability >= ?",
        [threshold],
    ).fetchall()
    return int(rows[0][0]), int(rows[0][1]), int(rows[0][2])


def evaluate(
    result: Result,
    *,
    review_threshold: float,
    auto_threshold: float,
    blocked: tuple[int, int] | None = None,
    sweep: tuple[float, ...] = (),
    **context: Any,
) -> Figures:
    """Every figure, as JSON-ready lines; ``context`` is added to each line."""
    con = result.con
    figures = Figures()
    figures.add("records", result.records, "records", **context)
    figures.add("comparisons", result.comparisons, "pairs", **context)
    truth_pairs = int(con.execute(f"SELECT count(*) FROM {TRUTH_PAIRS_TABLE}").fetchall()[0][0])  # noqa: S608
    figures.add("true_pairs", truth_pairs, "pairs", **context)
    if blocked is not None:
        figures.add("blocking_recall", _ratio(*blocked), "ratio", **context)
    thresholds = sorted({review_threshold, auto_threshold, *sweep})
    for threshold in thresholds:
        predicted, correct, true = pairwise(con, threshold)
        precision, recall = _ratio(correct, predicted), _ratio(correct, true)
        here = {**context, "threshold": threshold}
        figures.add("pairwise_precision", precision, "ratio", **here)
        figures.add("pairwise_recall", recall, "ratio", **here)
        figures.add("pairwise_f1", _f1(precision, recall), "ratio", **here)
        figures.add("pairs_predicted", predicted, "pairs", **here)
    _clusters(con, figures, review_threshold, context)
    _automatic(con, figures, auto_threshold, context)
    return figures


def _clusters(
    con: duckdb.DuckDBPyConnection, figures: Figures, threshold: float, context: dict[str, Any]
) -> None:
    here = {**context, "threshold": threshold}
    rows = con.execute(
        f"""
        WITH c AS (SELECT c.unique_id, c.cluster_id, t.cluster FROM {CLUSTERS_TABLE} c
                   JOIN {TRUTH_TABLE} t USING (unique_id)),
        implied AS (SELECT a.unique_id AS l, b.unique_id AS r FROM c a
                    JOIN c b ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id),
        exact AS (
            SELECT t.cluster FROM c t GROUP BY t.cluster
            HAVING count(DISTINCT t.cluster_id) = 1
               AND max(t.cluster_id) IN (
                   SELECT cluster_id FROM c GROUP BY cluster_id
                   HAVING count(DISTINCT cluster) = 1)
        )
        SELECT (SELECT count(DISTINCT cluster) FROM c),
               (SELECT count(DISTINCT cluster_id) FROM c),
               (SELECT count(*) FROM exact),
               (SELECT count(*) FROM implied),
               (SELECT count(*) FROM implied i SEMI JOIN {TRUTH_PAIRS_TABLE} t
                  ON t.l = i.l AND t.r = i.r),
               (SELECT count(*) FROM {TRUTH_PAIRS_TABLE})
        """  # noqa: S608 - constant table names
    ).fetchall()
    persons, groups, exact, implied, correct, true = (int(v) for v in rows[0])
    precision, recall = _ratio(correct, implied), _ratio(correct, true)
    figures.add("persons_true", persons, "persons", **here)
    figures.add("persons_found", groups, "persons", **here)
    figures.add("persons_found_exactly", _ratio(exact, persons), "ratio", **here)
    figures.add("cluster_pairwise_precision", precision, "ratio", **here)
    figures.add("cluster_pairwise_recall", recall, "ratio", **here)
    figures.add("cluster_pairwise_f1", _f1(precision, recall), "ratio", **here)


def _automatic(
    con: duckdb.DuckDBPyConnection, figures: Figures, threshold: float, context: dict[str, Any]
) -> None:
    here = {**context, "threshold": threshold}
    columns = {row[0] for row in con.execute(f"DESCRIBE {PREDICTIONS_TABLE}").fetchall()}
    if "verified_ids_l" not in columns:
        linked = wrong = 0
    else:
        rows = con.execute(
            f"SELECT count(*), count(*) - count(t.l) FROM {PREDICTIONS_TABLE} p "  # noqa: S608
            f"LEFT JOIN {TRUTH_PAIRS_TABLE} t "
            "ON t.l = least(p.unique_id_l, p.unique_id_r) "
            "AND t.r = greatest(p.unique_id_l, p.unique_id_r) "
            "WHERE p.match_probability >= ? AND list_has_any(p.verified_ids_l, p.verified_ids_r)",
            [threshold],
        ).fetchall()
        linked, wrong = int(rows[0][0]), int(rows[0][1])
    figures.add("auto_linked_pairs", linked, "pairs", **here)
    figures.add("false_merges", wrong, "pairs", **here)
    figures.add("false_merge_rate", _ratio(wrong, linked), "ratio", **here)


def evaluate_files(
    records_path: Path,
    truth_path: Path,
    *,
    review_threshold: float,
    auto_threshold: float,
    sweep: tuple[float, ...] = (),
    memory_limit: str = "4GB",
    threads: int = 0,
) -> Figures:
    """Train on a generic-layout file, link it, and measure against its truth file. Reads
    only the two files: nothing touches the database."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    source = csvfile.read_records(records_path)
    truth = csvfile.read_truth(truth_path, source.ids)
    timings["read"] = round(time.perf_counter() - started, 2)
    loaded: dict[str, Any] = {}

    def on_blocked(con: duckdb.DuckDBPyConnection, blocked_table: str) -> None:
        loaded["true_pairs"] = load_truth(con, truth, len(source.ids))
        loaded["blocked"] = blocking_recall(con, blocked_table)

    options = Options(
        review_threshold=review_threshold,
        auto_threshold=auto_threshold,
        keep_from=min((review_threshold, *sweep)),
        memory_limit=memory_limit,
        threads=threads,
    )
    try:
        result = link(source.raw, options=options, stored=None, on_blocked=on_blocked)
    except TooFewRecords as exc:
        raise LinkageInputError(
            _("%(file)s has %(records)s records: a model needs at least %(least)s to train on."),
            file=records_path.name,
            records=exc.records,
            least=MIN_RECORDS_TO_TRAIN,
        ) from exc
    try:
        if "true_pairs" not in loaded:
            load_truth(result.con, truth, len(source.ids))
        figures = evaluate(
            result,
            review_threshold=review_threshold,
            auto_threshold=auto_threshold,
            blocked=loaded.get("blocked"),
            sweep=sweep,
        )
    finally:
        result.close()
    for phase, seconds in {**timings, **result.timings}.items():
        figures.add("seconds", seconds, "s", phase=phase)
    if result.trained is not None:
        figures.add("prior", result.trained.prior, "probability")
    return figures
