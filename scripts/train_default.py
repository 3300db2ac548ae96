"""Rebuild the bundled default model, or check that the committed one is reproducible.

    python scripts/train_default.py            # writes models/default/ from data/corpus/
    python scripts/train_default.py --check    # retrains in a temp dir and compares

Inputs: data/corpus/*.jsonl (the bundled labeled calls). Output: models/default/.
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
TARGET = ROOT / "models" / "default"
TOLERANCE = 1e-9


def build(target: Path) -> None:
    model = train(DATA, seed=0)
    save_model(model, target)
    print(json.dumps({"cv": model.manifest["cv"], "thresholds": model.thresholds}, indent=2))


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        fresh, committed = load_model(tmp), load_model(TARGET)
        a = {k: v for k, v in fresh.manifest.items() if k != "model_sha256"}
        b = {k: v for k, v in committed.manifest.items() if k != "model_sha256"}
        if a != b:
            diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            print(f"manifest differs in: {', '.join(diff)}")
            return 1
        gap = float(np.max(np.abs(score(DATA, fresh)["risk"] - score(DATA, committed)["risk"])))
        print(f"largest risk difference on the bundled calls: {gap:.2e} (tolerance {TOLERANCE})")
        return 0 if gap <= TOLERANCE else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare a rebuild with models/default"
    )
    args = parser.parse_args()
    if args.check:
        sys.exit(check())
    build(TARGET)
