"""Rebuild the bundled models, or check that the committed ones are reproducible.

    python scripts/train_default.py            # models/default/ and models/forecast/
    python scripts/train_default.py --check    # retrains both in a temp dir and compares

Inputs: data/corpus/*.jsonl (the bundled labeled calls). Outputs: models/default/ (the
full-call model for post-call QA) and models/forecast/ (trained on calls cut just before the
escalation is asked for, for early warning during the call).
The skops archive is not byte-identical between runs (its member names come from object ids),
so --check compares what matters: the manifest (except the archive hash) must be equal and every
risk on the bundled calls must agree within 1e-9.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from escalation_risk import load_model, save_model, score, train

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "corpus"
MODELS = {"default": False, "forecast": True}  # name -> trained on cut calls
TOLERANCE = 1e-9


def build(target: Path, forecast: bool) -> None:
    model = train(DATA, seed=0, forecast=forecast)
    save_model(model, target)
    cv = {k: model.manifest["cv"][k] for k in ("roc_auc", "pr_auc", "brier", "ece")}
    print(target.name, json.dumps({"cv": cv, "thresholds": model.thresholds}))


def check() -> int:
    return max(check_one(name, forecast) for name, forecast in MODELS.items())


def check_one(name: str, forecast: bool) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), forecast)
        fresh, committed = load_model(tmp), load_model(ROOT / "models" / name)
        a = {k: v for k, v in fresh.manifest.items() if k != "model_sha256"}
        b = {k: v for k, v in committed.manifest.items() if k != "model_sha256"}
        if a != b:
            diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            print(f"manifest differs in: {', '.join(diff)}")
            return 1
        gap = float(np.max(np.abs(score(DATA, fresh)["risk"] - score(DATA, committed)["risk"])))
        print(
            f"{name}: largest risk difference on the bundled calls: {gap:.2e} "
            f"(tolerance {TOLERANCE})"
        )
        return 0 if gap <= TOLERANCE else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare a rebuild with models/default"
    )
    args = parser.parse_args()
    if args.check:
        sys.exit(check())
    for name, forecast in MODELS.items():
        build(ROOT / "models" / name, forecast)
