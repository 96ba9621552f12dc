"""The linkage thresholds are read strictly from the environment."""

from __future__ import annotations

import pytest

from config.env import EnvError, env_float


def test_a_threshold_must_be_a_probability(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULANG_X", "high")
    with pytest.raises(EnvError, match="PULANG_X='high' is not a number"):
        env_float("PULANG_X", 0.5, minimum=0.0, maximum=1.0)
    monkeypatch.setenv("PULANG_X", "1.5")
    with pytest.raises(EnvError, match=r"PULANG_X=1\.5 must be at most 1\.0"):
        env_float("PULANG_X", 0.5, minimum=0.0, maximum=1.0)
    monkeypatch.setenv("PULANG_X", "0.95")
    assert env_float("PULANG_X", 0.5, minimum=0.0, maximum=1.0) == 0.95
    monkeypatch.delenv("PULANG_X")
    assert env_float("PULANG_X", 0.5) == 0.5
