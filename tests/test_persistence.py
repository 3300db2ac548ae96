from __future__ import annotations

import json
import pickle
import shutil

import pytest
import skops.io as sio
from helpers import ANGRY

from escalation_risk import load_model, save_model, score
from escalation_risk.errors import ModelFileError


def archive_text(path) -> bytes:
    """Every member of a skops archive, lower-cased; arrays of strings decoded, since numpy
    stores them as UTF-32 where a UTF-8 search would miss them."""
    import io
    import zipfile

    import numpy as np

    out = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            out.append(data)
            if name.endswith(".npy"):
                array = np.load(io.BytesIO(data), allow_pickle=False)
                if array.dtype.kind == "U":
                    out.append("\n".join(array.ravel().tolist()).encode())
    return b"".join(out).lower()


def words_of(model) -> dict[str, int]:
    return model.pipeline.named_steps["columns"].named_transformers_["words"].vocabulary_


def copy(src, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(src, target)
    return target


def test_round_trip_gives_the_same_scores(small_model, small_model_dir):
    loaded = load_model(small_model_dir)
    assert loaded.manifest["model_sha256"]
    assert score([ANGRY], loaded)["risk"][0] == pytest.approx(
        score([ANGRY], small_model)["risk"][0], abs=1e-12
    )
    assert load_model(small_model_dir / "model.skops").manifest == loaded.manifest
    assert words_of(loaded) == words_of(small_model)


def test_vocabulary_is_saved_as_one_array_not_a_json_dict(small_model, small_model_dir):
    """skops writes a dict entry by entry into its JSON schema; the terms go in one array."""
    import zipfile

    with zipfile.ZipFile(small_model_dir / "model.skops") as archive:
        schema = archive.read("schema.json").decode()
    some_term = max(words_of(small_model), key=len)
    assert f'"{some_term}"' not in schema
    assert some_term.lower().encode() in archive_text(small_model_dir / "model.skops")


def test_manifest_records_versions(small_model_dir):
    manifest = json.loads((small_model_dir / "manifest.json").read_text())
    for key in (
        "package_version",
        "sklearn_version",
        "spacy_version",
        "lexicon_version",
        "output_schema_version",
        "training_data",
        "cv",
        "thresholds",
        "label",
    ):
        assert key in manifest


def test_pickle_and_joblib_files_are_refused(tmp_path, small_model):
    for name in ("model.pkl", "model.joblib"):
        path = tmp_path / name
        path.write_bytes(pickle.dumps({"a": 1}))
        with pytest.raises(ModelFileError, match="pickle/joblib model files are never loaded"):
            load_model(path)
    disguised = tmp_path / "d"
    disguised.mkdir()
    (disguised / "model.skops").write_bytes(pickle.dumps(small_model.manifest))
    (disguised / "manifest.json").write_text("{}")
    with pytest.raises(ModelFileError, match="looks like a pickle"):
        load_model(disguised)


def test_tampered_archive_is_refused(small_model_dir, tmp_path):
    target = copy(small_model_dir, tmp_path)
    with open(target / "model.skops", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ModelFileError, match="SHA-256 does not match manifest.json"):
        load_model(target)


def test_truncated_archive_is_refused_even_with_a_matching_hash(small_model_dir, tmp_path):
    import hashlib

    target = copy(small_model_dir, tmp_path)
    data = (target / "model.skops").read_bytes()[:5000]
    (target / "model.skops").write_bytes(data)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["model_sha256"] = hashlib.sha256(data).hexdigest()
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="truncated or corrupt|cannot be loaded"):
        load_model(target)


def test_other_sklearn_minor_version_asks_to_retrain(small_model_dir, tmp_path):
    target = copy(small_model_dir, tmp_path)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["sklearn_version"] = "1.4.2"
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="trained with scikit-learn 1.4.2.*retrain"):
        load_model(target)


def test_missing_manifest_is_refused(small_model_dir, tmp_path):
    target = copy(small_model_dir, tmp_path)
    (target / "manifest.json").unlink()
    with pytest.raises(ModelFileError, match="no manifest.json; refusing an unverified model"):
        load_model(target)


def untrusted_helper(x):
    return x


def test_untrusted_types_are_refused(small_model_dir, tmp_path):
    import hashlib

    from sklearn.preprocessing import FunctionTransformer

    target = copy(small_model_dir, tmp_path)
    sio.dump(FunctionTransformer(untrusted_helper), target / "model.skops")
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["model_sha256"] = hashlib.sha256((target / "model.skops").read_bytes()).hexdigest()
    (target / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="holds types we do not trust.*untrusted_helper"):
        load_model(target)


def test_saved_model_keeps_no_rare_tokens_or_digits(tmp_path):
    """A name said once and a card number must not reach the model file, in any member."""

    from helpers import CORPUS, call

    from escalation_risk import read_transcripts, train

    calls = list(read_transcripts(CORPUS / "calls-w6.jsonl"))
    calls.append(
        call(
            "pii", ("customer", "I'm Zebulonia Quartermaine, card 4111 1111 1111 1111"), label=True
        )
    )
    model = train(calls, C=1.0, cv=3)
    vocabulary = model.pipeline.named_steps["columns"].named_transformers_["words"].vocabulary_
    assert not [term for term in vocabulary if any(ch.isdigit() for ch in term)]
    target = save_model(model, tmp_path / "m")
    blob = archive_text(target / "model.skops")
    assert b"escalate" in blob or b"supervisor" in blob  # the search does see the terms
    for secret in (b"zebulonia", b"quartermaine", b"4111 1111"):
        assert secret not in blob
    assert b"4111" not in (target / "manifest.json").read_bytes()


def test_bundled_default_model_loads_and_is_described():
    model = load_model()
    assert model.manifest["training_data"]["n_calls"] == 480
    assert model.manifest["cv"]["roc_auc"] > 0.9
    assert 0 <= score([ANGRY])["risk"][0] <= 1


def test_saved_model_keeps_no_repeated_personal_data(tmp_path):
    """Personal data said in several calls passes min_df; it must still stay out of the file."""

    from helpers import CORPUS, call

    from escalation_risk import read_transcripts, train

    calls = list(read_transcripts(CORPUS / "calls-w6.jsonl"))
    secrets = [
        "my email is zeb.quartermaine@example.org",
        "the card is four one one one one one one one one one one one one one one one",
        "the security code is 737 and the cvv is seven three seven",
        "my social is 219 09 9999 and my number is (555) 010-4477",
    ]
    for i in range(4):
        turns = [("agent", "How can I help?"), *(("customer", s) for s in secrets)]
        calls.append(call(f"pii-{i}", *turns, label=i % 2 == 0))
    model = train(calls, C=1.0, cv=3)
    target = save_model(model, tmp_path / "m")
    everything = archive_text(target / "model.skops")
    everything += b"".join(p.read_bytes().lower() for p in target.iterdir() if p.suffix != ".skops")
    for leak in (b"quartermaine", b"example.org", b"seven_three", b"one_one", b"010-4477"):
        assert leak not in everything, leak
    # digits are checked in the vocabulary itself: short numbers occur in any binary by chance
    vocabulary = model.pipeline.named_steps["columns"].named_transformers_["words"].vocabulary_
    assert not [t for t in vocabulary if any(ch.isdigit() for ch in t) or "@" in t]
    assert not [t for t in vocabulary if "seven_three" in t or "one_one" in t]
