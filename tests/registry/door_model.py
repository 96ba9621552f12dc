"""A seeded registry with a trained linkage model, for tests of the duplicate check at the
door."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from pulang.linkage import door
from pulang.linkage.models import MatchModel
from pulang.linkage.pipeline.model import MODEL_FORMAT
from pulang.linkage.services import linkage_run_execute, linkage_run_request
from tests.linkage.helpers import seed

_trained: dict[str, Any] = {}


def registry_with_model(tmp_path: Path) -> MatchModel:
    """A registry of 300 seeded people (term frequencies need a population: in a registry
    of one, every name is the commonest) and a model trained on it; trained once per
    session, stored again by every later test."""
    door._forget()
    seed(tmp_path, persons=300, duplicates=0.3)
    if "settings" not in _trained:
        run = linkage_run_execute(run_id=linkage_run_request(actor=None, retrain=True).pk)
        assert run.model is not None, run.error
        _trained["settings"] = run.model.settings
        return run.model
    return MatchModel.objects.create(
        version=1,
        model_format=MODEL_FORMAT,
        settings=_trained["settings"],
        auto_threshold=0.999,
        review_threshold=0.8,
        trained_at=timezone.now(),
        trained_records=300,
    )
