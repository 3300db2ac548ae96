"""Safe model files: a skops archive with an explicit list of trusted types, a JSON manifest
that pins its hash and versions, and a model card. Pickle and joblib are refused outright."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops.io as sio

from .errors import ModelFileError
from .model import EscalationModel

MODEL_FILE = "model.skops"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "README.md"
# Every non-primitive type a model of ours holds, besides the ones skops trusts by default.
TRUSTED_TYPES: tuple[str, ...] = (
    "escalation_risk.features.CallFeatures",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".sav", ".dill"}


def save_model(model: EscalationModel, path: str | Path, *, card: bool = True) -> Path:
    """Write ``model.skops``, ``manifest.json`` (with the archive's SHA-256) and a model card."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODEL_FILE
    with _compact_vocabularies(model.pipeline):
        sio.dump(model.pipeline, target, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    untrusted = set(sio.get_untrusted_types(file=target)) - set(TRUSTED_TYPES)
    if untrusted:
        target.unlink()
        raise ModelFileError(f"model holds types outside the trusted list: {sorted(untrusted)}")
    manifest = {**model.manifest, "model_file": MODEL_FILE, "model_sha256": _sha256(target)}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if card:
        _write_card(model, directory / CARD_FILE)
    model.manifest = manifest
    return directory


BUNDLED = ("default", "forecast")


def default_model_path(name: str = "default") -> Path:
    """A bundled model: ``models/NAME`` of a source checkout, else the copy inside the package.

    ``default`` scores whole calls (post-call QA); ``forecast`` was trained on calls cut just
    before the escalation was asked for (early warning during the call).
    """
    checkout = Path(__file__).resolve().parents[1] / "models" / name
    if (checkout / MANIFEST_FILE).exists():
        return checkout
    return Path(str(resources.files("escalation_risk").joinpath("_models", name)))


def load_model(path: str | Path | None = None) -> EscalationModel:
    """Load a model directory (or its ``model.skops``); None loads the bundled default model,
    and the names ``default`` and ``forecast`` the bundled ones.

    Refuses, with a one-line :class:`ModelFileError`: pickle/joblib files, a missing or
    mismatched manifest, a truncated archive, another scikit-learn minor version, untrusted types.
    """
    if path is None:
        directory = default_model_path()
    elif str(path) in BUNDLED and not Path(path).exists():
        directory = default_model_path(str(path))
    else:
        directory = Path(path)
    if directory.is_file():
        _refuse_pickle(directory)
        directory = directory.parent
    elif not directory.exists():
        raise ModelFileError(f"{directory}: no such model directory")
    manifest_path, archive = directory / MANIFEST_FILE, directory / MODEL_FILE
    if not archive.exists():
        pickles = [p.name for p in directory.iterdir() if p.suffix.lower() in _PICKLE_SUFFIXES]
        hint = (
            f" (found {', '.join(pickles)}: pickle/joblib files are never loaded)"
            if pickles
            else ""
        )
        raise ModelFileError(f"{directory}: no {MODEL_FILE}{hint}")
    _refuse_pickle(archive)
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelFileError(
            f"{directory}: no {MANIFEST_FILE}; refusing an unverified model"
        ) from None
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{manifest_path}: invalid JSON ({err.msg})") from None
    if manifest.get("format") != "escalation-risk-model":
        raise ModelFileError(f"{manifest_path}: not an escalation-risk manifest")
    if manifest.get("model_sha256") != _sha256(archive):
        raise ModelFileError(
            f"{archive}: SHA-256 does not match {MANIFEST_FILE} (file modified or truncated)"
        )
    trained, running = str(manifest.get("sklearn_version", "?")), sklearn.__version__
    if _minor(trained) != _minor(running):
        raise ModelFileError(
            f"{directory}: trained with scikit-learn {trained}, this is {running}; "
            "retrain the model with this version (escalation-risk train)"
        )
    if not zipfile.is_zipfile(archive):
        raise ModelFileError(f"{archive}: not a skops archive (truncated or corrupt)")
    try:
        untrusted = set(sio.get_untrusted_types(file=archive)) - set(TRUSTED_TYPES)
        if untrusted:
            raise ModelFileError(
                f"{archive}: holds types we do not trust ({', '.join(sorted(untrusted))})"
            )
        pipeline = sio.load(archive, trusted=list(TRUSTED_TYPES))
    except ModelFileError:
        raise
    except Exception as err:  # a damaged archive can fail in many ways inside skops
        raise ModelFileError(f"{archive}: cannot be loaded ({type(err).__name__}: {err})") from None
    _restore_vocabularies(pipeline)
    return EscalationModel(pipeline, manifest)


# skops writes a dict entry by entry into its JSON schema: a 31k-word vocabulary took 8 MB of
# JSON whose parsing left 30-70 MB of heap in every scoring process. Saved instead as one
# array of terms (index = position), rebuilt into the dict on loading.
_TERMS = "escalation_risk_terms_"


def _vectorizers(pipeline: Any) -> Iterator[Any]:
    for step in getattr(pipeline, "steps", ()):
        for _, part, _ in getattr(step[1], "transformers_", ()):
            if hasattr(part, "vocabulary_") or hasattr(part, _TERMS):
                yield part


@contextmanager
def _compact_vocabularies(pipeline: Any) -> Iterator[None]:
    saved = []
    for part in _vectorizers(pipeline):
        vocabulary = part.vocabulary_
        terms = sorted(vocabulary, key=vocabulary.__getitem__)
        if [vocabulary[t] for t in terms] != list(range(len(terms))):
            raise ModelFileError("vocabulary indices are not 0..n-1; cannot save compactly")
        setattr(part, _TERMS, np.array(terms, dtype=str))
        del part.vocabulary_
        saved.append((part, vocabulary))
    try:
        yield
    finally:
        for part, vocabulary in saved:
            part.vocabulary_ = vocabulary
            delattr(part, _TERMS)


def _restore_vocabularies(pipeline: Any) -> None:
    for part in _vectorizers(pipeline):
        terms = getattr(part, _TERMS, None)
        if terms is not None:
            part.vocabulary_ = {str(t): i for i, t in enumerate(terms.tolist())}
            delattr(part, _TERMS)


def _refuse_pickle(path: Path) -> None:
    if path.suffix.lower() in _PICKLE_SUFFIXES:
        raise ModelFileError(f"{path}: pickle/joblib model files are never loaded (unsafe)")
    with open(path, "rb") as handle:
        head = handle.read(2)
    if head[:1] == b"\x80":
        raise ModelFileError(f"{path}: looks like a pickle; pickle files are never loaded (unsafe)")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _write_card(model: EscalationModel, path: Path) -> None:
    from skops import card as skcard

    m = model.manifest
    card = skcard.Card(model.pipeline, model_diagram=False, trusted=list(TRUSTED_TYPES))
    card.delete("Model description/Training Procedure/Hyperparameters")
    card.delete("Model description/Training Procedure/Model Plot")
    card.add(
        **{
            "Model description": (
                "Escalation risk for customer-service calls: role- and position-tagged words, "
                "warning-sign counts and call structure, logistic regression with sigmoid "
                "calibration (escalation-risk)."
            ),
            "Model description/Intended uses & limitations": (
                "Ranks calls for QA review and explains each score with quoted evidence. "
                "Trained on English transcripts; risks are calibrated to the training base rate."
            ),
            "Model description/Training Procedure": (
                f"Label `{m['label']}`, {m['training_data']['n_calls']} calls "
                f"({m['training_data']['n_positive']} positive), data SHA-256 "
                f"`{m['training_data']['sha256'][:16]}…`, lexicon {m['lexicon_version']}, "
                f"parameters {m.get('params', {})}."
            ),
            "Model description/Evaluation Results": (
                f"Stratified {m['cv']['folds']}-fold cross-validation grouped by call: "
                f"ROC-AUC {m['cv']['roc_auc']:.3f}, PR-AUC {m['cv']['pr_auc']:.3f}, "
                f"Brier {m['cv']['brier']:.3f}. Band thresholds: {m['thresholds']}."
            ),
            "How to Get Started with the Model": (
                "`escalation-risk score CALLS.jsonl --model DIR`, or in Python "
                "`escalation_risk.score(data, escalation_risk.load_model(DIR))`. "
                "Load it only with escalation-risk, which checks the manifest and trusted types."
            ),
        }
    )
    for section in ("Model Card Authors", "Model Card Contact", "Citation"):
        card.delete(section)
    card.save(path)
