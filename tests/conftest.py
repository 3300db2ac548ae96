"""Fixtures: a small model trained once per test session."""

from __future__ import annotations

import pytest
from helpers import WEEKS_1_2

from escalation_risk import train


@pytest.fixture(scope="session")
def small_model():
    """A model trained on two weeks of the bundled corpus (fixed C, 3 folds: fast)."""
    return train(WEEKS_1_2, C=10.0, cv=3)


@pytest.fixture(scope="session")
def small_model_dir(small_model, tmp_path_factory):
    from escalation_risk import save_model

    return save_model(small_model, tmp_path_factory.mktemp("model") / "m", card=False)
