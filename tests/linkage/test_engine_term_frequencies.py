"""A run that trains scores with the term frequencies of its whole input, never with the
ones Splink counted on a training sample in the same DuckDB connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulang.linkage.pipeline import engine
from pulang.linkage.pipeline.extract import registry_tables
from tests.factories import World
from tests.linkage.helpers import seed

pytestmark = pytest.mark.django_db


def test_a_retraining_run_scores_with_the_whole_inputs_term_frequencies(
    world: World, tmp_path: Path
) -> None:
    seed(tmp_path, persons=300, duplicates=0.3, seed=5)
    options = engine.Options(review_threshold=0.8, auto_threshold=0.999, keep_from=0.0)
    result = engine.link(registry_tables(), options=options, stored=None)
    try:
        con = result.con
        used = con.execute(
            f"SELECT DISTINCT name_l, tf_name_l FROM {engine.PREDICTIONS_TABLE} "  # noqa: S608
            "WHERE tf_name_l IS NOT NULL"
        ).fetchall()
        whole = dict(
            con.execute(
                f"SELECT name, count(*) / (SELECT count(name) FROM {engine.INPUT_TABLE}) "  # noqa: S608
                f"FROM {engine.INPUT_TABLE} WHERE name IS NOT NULL GROUP BY name"
            ).fetchall()
        )
        assert len(used) > 10
        assert {name: tf for name, tf in used} == {name: whole[name] for name, _tf in used}
    finally:
        result.close()
