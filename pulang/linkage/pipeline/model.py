"""The Splink model: comparisons, blocking rules, unsupervised training and prediction.

Comparisons are written once, in Python, with Splink's level creators and DuckDB SQL
marked as such (``base_dialect_str="duckdb"``), so that the same definition produces
Spark SQL when built for the Spark backend (docs/linkage.md). A trained model is the
complete Splink settings dictionary, m and u probabilities included; stored with a
version (``MatchModel``), it scores the same pairs the same way every time.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import SplinkException
from splink.internals.splink_dataframe import SplinkDataFrame

from pulang.linkage.pipeline.frame import RARE_COLUMNS, WORD_COLUMNS

# Bumped whenever comparisons or blocking change, so a stored model trained under other
# rules is never used with these (a run retrains instead).
MODEL_FORMAT = 1
DIALECT = "duckdb"

logger = logging.getLogger(__name__)


def _sql(condition: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(condition, label_for_charts=label, base_dialect_str=DIALECT)


def _null(*columns: str) -> cll.CustomLevel:
    either = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    level = _sql(either, "missing on either side")
    level.configure(is_null_level=True)
    return level


# Word overlap: how many of the (first five) phonetic words the two names share. Words
# within a record are distinct, so the pairwise equalities count the intersection.
def _overlap(columns: tuple[str, ...]) -> tuple[str, str]:
    pairs = [(a, b) for a in columns for b in columns]
    any_ = "(" + " OR ".join(f"{a}_l = {b}_r" for a, b in pairs) + ")"
    size = "(" + " + ".join(f"CASE WHEN {a}_l = {b}_r THEN 1 ELSE 0 END" for a, b in pairs) + ")"
    return any_, size


_ANY, _SIZE = _overlap(WORD_COLUMNS)
_ANY_RARE, _ = _overlap(RARE_COLUMNS)
_SMALLER = "least(word_count_l, word_count_r)"


def _edits(column: str, most: int) -> str:
    """At most ``most`` edits (Levenshtein) between two values of similar length. DuckDB's
    Damerau-Levenshtein is two orders of magnitude slower, so transposed letters count as
    two edits here."""
    return (
        f"abs(length({column}_l) - length({column}_r)) <= {most} "
        f"AND levenshtein({column}_l, {column}_r) <= {most}"
    )


def name_comparison() -> cl.CustomComparison:
    """Names through the registry's matching keys: exact, reordered (Vietnamese and Khmer
    family-first, swapped form fields), spelling variants (phonetic key), typing errors
    (Jaro-Winkler and edit distance on the transliterated form), then word overlap: a
    mononym or a shortened name inside a longer one, down to one word in common."""
    exact = cll.ExactMatchLevel("name", term_frequency_adjustments=True)
    exact.configure(label_for_charts="same name")
    # Short names collide on the phonetic key (Tuti and Dedeh are both "tata"): weigh the
    # level by how common the key is.
    phonetic = _sql("name_phonetic_l = name_phonetic_r", "same name, spelt differently")
    phonetic.configure(
        tf_adjustment_column="name_phonetic",
        disable_tf_exact_match_detection=True,
        tf_minimum_u_value=1e-6,
    )
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="name (matching keys of every name the record has)",
        comparison_levels=[
            _null("name"),
            exact,
            _sql(
                "name_sorted_l = name_sorted_r OR name_joined_l = name_joined_r",
                "same words, other order or spacing",
            ),
            phonetic,
            cll.Or(
                cll.JaroWinklerLevel("name_sorted", 0.92), cll.JaroWinklerLevel("name", 0.92)
            ).configure(label_for_charts="nearly the same spelling"),
            _sql(
                f"{_ANY} AND {_SMALLER} >= 2 AND {_SIZE} = {_SMALLER}",
                "one name holds every word of the other",
            ),
            _sql(_edits("name_sorted", 2), "one or two letters differ"),
            _sql(f"{_ANY_RARE} AND {_SIZE} >= 2", "two words in common, one uncommon"),
            _sql(f"{_ANY} AND {_SMALLER} = 1", "one-word name found in the other"),
            _sql(_ANY_RARE, "an uncommon word in common"),
            _sql(f"{_ANY} AND {_SIZE} >= 2", "two common words in common"),
            _sql(_ANY, "a common word in common"),
            cll.ElseLevel().configure(label_for_charts="different names"),
        ],
    )


_BOTH_DAY = "birth_precision_l = 'day' AND birth_precision_r = 'day'"
_EITHER_ROUGH = (
    "(birth_precision_l IN ('year', 'estimated') OR birth_precision_r IN ('year', 'estimated'))"
)


def birth_comparison() -> cl.CustomComparison:
    """Date of birth, tolerant of the estimated and year-only dates that are common among
    returnees (stored at 1 January, ``birth_precision`` says so)."""
    exact = cll.CustomLevel(
        f"birth_date_l = birth_date_r AND {_BOTH_DAY}",
        label_for_charts="same exact date",
        base_dialect_str=DIALECT,
    )
    exact.configure(tf_adjustment_column="birth_date")
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="date of birth, with its precision",
        comparison_levels=[
            _null("birth_date"),
            exact,
            _sql("birth_date_l = birth_date_r", "same imprecise date"),
            _sql(
                f"{_BOTH_DAY} AND ("
                "abs(date_diff('day', birth_date_l, birth_date_r)) <= 3 "
                "OR (year(birth_date_l) = year(birth_date_r) "
                "AND month(birth_date_l) = day(birth_date_r) "
                "AND day(birth_date_l) = month(birth_date_r)) "
                "OR levenshtein(CAST(birth_date_l AS VARCHAR), "
                "CAST(birth_date_r AS VARCHAR)) <= 1)",
                "a digit, day-month order or a few days apart",
            ),
            _sql(
                "year(birth_date_l) = year(birth_date_r) "
                "AND month(birth_date_l) = month(birth_date_r)",
                "same month and year",
            ),
            _sql(
                f"{_EITHER_ROUGH} AND year(birth_date_l) = year(birth_date_r)",
                "same year, one date only a year",
            ),
            _sql(
                f"{_EITHER_ROUGH} AND abs(year(birth_date_l) - year(birth_date_r)) <= 2",
                "within two years of an estimate",
            ),
            _sql("abs(year(birth_date_l) - year(birth_date_r)) <= 1", "within a year"),
            cll.ElseLevel().configure(label_for_charts="different dates"),
        ],
    )


def identifier_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="ids",
        comparison_description="identity document numbers (national ID, passport, card)",
        comparison_levels=[
            _null("ids"),
            cll.ArrayIntersectLevel("ids", 1).configure(label_for_charts="a number in common"),
            # The first two numbers of each side, pairwise: a typed digit (no lambdas, so
            # that the SQL carries over to Spark unchanged).
            _sql(
                " OR ".join(
                    f"(length({a}_l) = length({b}_r) AND levenshtein({a}_l, {b}_r) <= 1)"
                    for a in ("id_a", "id_b")
                    for b in ("id_a", "id_b")
                ),
                "numbers one keystroke apart",
            ),
            _sql(
                " OR ".join(
                    f"{a}_l = {b}_r"
                    for a in ("id_shape_a", "id_shape_b")
                    for b in ("id_shape_a", "id_shape_b")
                ),
                "different numbers of the same kind",
            ),
            cll.ElseLevel().configure(label_for_charts="numbers of different documents"),
        ],
    )


def phone_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="phone",
        comparison_description="phone number (last digits)",
        comparison_levels=[
            _null("phone"),
            cll.ExactMatchLevel("phone").configure(label_for_charts="same number"),
            _sql(_edits("phone", 1), "one keystroke apart"),
            cll.ElseLevel().configure(label_for_charts="different numbers"),
        ],
    )


def area_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="area",
        comparison_description="home area",
        comparison_levels=[
            _null("area_top"),
            cll.ExactMatchLevel("area").configure(label_for_charts="same area"),
            cll.ExactMatchLevel("area_top").configure(label_for_charts="same province"),
            cll.ElseLevel().configure(label_for_charts="different provinces"),
        ],
    )


def address_comparison() -> cl.CustomComparison:
    """The address line, lower-case ASCII words: the same hamlet, street or house number
    tells apart two people of one name and birthday in one province."""
    exact = cll.ExactMatchLevel("address", term_frequency_adjustments=True)
    exact.configure(label_for_charts="same address")
    return cl.CustomComparison(
        output_column_name="address",
        comparison_description="address line",
        comparison_levels=[
            _null("address"),
            exact,
            cll.JaroWinklerLevel("address", 0.9).configure(
                label_for_charts="nearly the same address"
            ),
            cll.ElseLevel().configure(label_for_charts="different addresses"),
        ],
    )


def sex_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="sex",
        comparison_levels=[
            _null("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="same"),
            cll.ElseLevel().configure(label_for_charts="different"),
        ],
    )


def comparisons() -> list[cl.CustomComparison]:
    return [
        name_comparison(),
        birth_comparison(),
        identifier_comparison(),
        phone_comparison(),
        area_comparison(),
        address_comparison(),
        sex_comparison(),
    ]


# Each rule names the pairs it lets through; Splink scores their union once. Every rule
# is keyed on something rare (a document number, a phone, a whole name in a year of
# birth, an exact date of birth in a province) or on a name key that frame.py drops where
# it is shared by a crowd, so the comparisons grow about linearly with the registry.
# docs/linkage.md has the recall and the comparisons of each rule.
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("l.ids = r.ids", ("ids",)),
    ("l.phone = r.phone", ()),
    ("l.name_phonetic = r.name_phonetic AND l.birth_year = r.birth_year", ()),
    ("l.birth_day = r.birth_day AND l.area_top = r.area_top", ()),
    ("l.birth_day = r.birth_day AND l.phon_tokens = r.phon_tokens", ("phon_tokens",)),
    ("l.name_area_key = r.name_area_key", ()),
    ("l.pair_keys = r.pair_keys", ("pair_keys",)),
    ("l.word_year_keys = r.word_year_keys", ("word_year_keys",)),
)


def blocking_rules(*, scoped: bool = False) -> list[BlockingRuleCreator | dict[str, Any]]:
    """The prediction blocking rules; ``scoped`` keeps only pairs with a record in scope
    (one import batch against the registry)."""
    rules: list[BlockingRuleCreator | dict[str, Any]] = []
    for sql, exploded in _RULES:
        condition = f"({sql}) AND (l.in_scope OR r.in_scope)" if scoped else sql
        rules.append(
            CustomRule(condition, sql_dialect=DIALECT, arrays_to_explode=list(exploded) or None)
        )
    return rules


def settings(*, scoped: bool = False) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=list(comparisons()),
        blocking_rules_to_generate_predictions=blocking_rules(scoped=scoped),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["verified_ids", "restricted"],
        em_convergence=0.001,
        max_iterations=20,
    )


# --- Training -----------------------------------------------------------------------------

# EM passes: each blocks on fields that matches nearly always share (a document number,
# a phone, the name with the date of birth), so the pairs it trains on are mostly true
# matches, and estimates the m probabilities of the other comparisons. Blocking on
# common values (a name alone, a date alone) lets names and places that go together
# (Javanese names in Java) pass for evidence and skews the estimates.
_EM_RULES = [
    "l.id_a = r.id_a",
    "l.phone = r.phone",
    "l.name_phonetic = r.name_phonetic AND l.birth_date = r.birth_date",
]


# An EM pass needs this many blocked pairs to learn anything.
MIN_EM_PAIRS = 20


def _pairs_agreeing(linker: Linker, rule: str) -> int:
    """How many pairs a training rule blocks (a plain equality join: cheap)."""
    table = linker._input_tables_dict["linkage_records"].physical_name
    rows = linker._db_api.duckdb_con.execute(
        f"SELECT count(*) FROM {table} AS l JOIN {table} AS r "  # noqa: S608 - our own rule
        f"ON {rule} AND l.unique_id < r.unique_id"
    ).fetchall()
    return int(rows[0][0])


@dataclass
class Training:
    seconds: dict[str, float] = field(default_factory=dict)
    prior: float = 0.0
    prior_by_rule: dict[str, float] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)


def train(linker: Linker, *, seed: int, u_pairs: float, em_pairs: float) -> Training:
    """Estimate the model unsupervised: u by random sampling (seeded: reproducible), then
    m by expectation maximisation on three blockings. A pass whose blocking finds nothing
    to learn from (a small registry without phones) is skipped and noted; levels no pass
    trained weigh nothing (``calibrate``)."""
    result = Training()
    started = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_pairs, seed=seed, min_count_per_level=None, num_chunks=1
    )
    result.seconds["u"] = round(time.perf_counter() - started, 2)
    for index, rule in enumerate(_EM_RULES, 1):
        started = time.perf_counter()
        if _pairs_agreeing(linker, rule) < MIN_EM_PAIRS:
            result.skipped.append(index)
            continue
        # A failed pass leaves Splink's model without the comparisons it blocked on.
        saved = copy.deepcopy(linker._settings_obj.core_model_settings)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                CustomRule(rule, sql_dialect=DIALECT),
                estimate_without_term_frequencies=True,
                max_pairs=em_pairs,
            )
        except (SplinkException, ValueError, ZeroDivisionError, duckdb.Error) as exc:
            logger.info("EM pass %s skipped: %s", index, type(exc).__name__)
            linker._settings_obj.core_model_settings = saved
            result.skipped.append(index)
        result.seconds[f"em_{index}"] = round(time.perf_counter() - started, 2)
    return result


# m of a level that training never saw disagree is not evidence that it never does: a
# floor keeps one field (a province, a date) from vetoing a pair on its own.
M_FLOOR = 0.005
# Evidence for the prior: (comparison, level label, column agreeing).
_PRIOR_EVIDENCE = (
    ("phone", "same number", "phone"),
    ("ids", "a number in common", "ids"),
)


def _levels(model: dict[str, Any], comparison: str) -> list[dict[str, Any]]:
    for item in model["comparisons"]:
        if item["output_column_name"] == comparison:
            return list(item["comparison_levels"])
    raise KeyError(comparison)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def calibrate(
    model: dict[str, Any], con: duckdb.DuckDBPyConnection, table: str, training: Training
) -> dict[str, Any]:
    """Finish a trained model: untrained levels weigh nothing, no level is a veto (M_FLOOR),
    and the prior comes from counts. A pair agreeing on a phone (or a document number) is
    almost always a match, and a match agrees on it with probability m when both records
    have one, so matches ~ agreeing pairs / (m * share of records with one, squared); the prior
    is that over all pairs, a geometric mean over the fields of ``_PRIOR_EVIDENCE``."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level in levels:
            m, u = _number(level.get("m_probability")), _number(level.get("u_probability"))
            if m is None or u is None:
                level["m_probability"] = level["u_probability"] = u or m or 1e-6
            else:
                level["m_probability"] = max(m, M_FLOOR)
        total = sum(float(level["m_probability"]) for level in levels)
        for level in levels:
            level["m_probability"] = float(level["m_probability"]) / total
    rows = con.execute(
        f"""
        SELECT count(*),
               count(phone),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM
                   (SELECT count(*) AS n FROM {table} WHERE phone IS NOT NULL GROUP BY phone)),
               count(ids),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM
                   (SELECT count(*) AS n FROM (SELECT unnest(ids) AS id FROM {table})
                    GROUP BY id))
        FROM {table}
        """  # noqa: S608
    ).fetchall()
    records, with_phone, phone_pairs, with_ids, id_pairs = (float(v) for v in rows[0])
    pairs = records * (records - 1) / 2
    agreeing = {"phone": (with_phone, phone_pairs), "ids": (with_ids, id_pairs)}
    estimates: dict[str, float] = {}
    for comparison, label, column in _PRIOR_EVIDENCE:
        present, agree = agreeing[column]
        level = next(lv for lv in _levels(model, comparison) if lv["label_for_charts"] == label)
        recall = float(level["m_probability"]) * (present / records) ** 2 if records else 0.0
        if agree > 0 and recall > 0 and pairs > 0:
            estimates[comparison] = min(0.5, agree / recall / pairs)
    if estimates:
        product = 1.0
        for value in estimates.values():
            product *= value
        model["probability_two_random_records_match"] = product ** (1 / len(estimates))
    training.prior_by_rule = estimates
    training.prior = float(model["probability_two_random_records_match"])
    return model


def linker_for(
    con: duckdb.DuckDBPyConnection, table: str, model: dict[str, Any] | SettingsCreator
) -> Linker:
    """A linker over the prepared table ``table`` with the given (trained or fresh) model."""
    api = DuckDBAPI(con)
    source = api.register(table, table_name="linkage_records")
    return Linker(source, model, log_level=None)


def trained_settings(linker: Linker) -> dict[str, Any]:
    """The complete trained model (comparisons with m and u, blocking, prior)."""
    return dict(linker.misc.save_model_to_json(overwrite=True))


def predict(linker: Linker, *, floor: float) -> SplinkDataFrame:
    """Score every blocked pair; keep those at or above ``floor``."""
    return linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
