"""The question adapter: merged once from the verified base model and the package's pinned adapter; questions
go through it, entries never do; a damaged adapter or merge is refused or redone, never loaded."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from glossary_search import models
from glossary_search.embedder import MERGE_RECORD, SentenceTransformerEmbedder, question_model_folder
from glossary_search.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_adapter_matches_its_pinned_hash():
    weights = models.QUESTION_ADAPTER_DIR / models.QUESTION_ADAPTER_FILE
    assert models.sha256_file(weights) == models.QUESTION_ADAPTER_SHA256
    config = json.loads((models.QUESTION_ADAPTER_DIR / "adapter_config.json").read_text())
    assert config["r"] == models.QUESTION_ADAPTER_RANK and config["base_model_name_or_path"] == models.MPNET.model_id


def test_a_damaged_adapter_is_refused_with_what_to_do(tmp_path):
    adapter = tmp_path / "adapter"
    shutil.copytree(models.QUESTION_ADAPTER_DIR, adapter)
    with open(adapter / models.QUESTION_ADAPTER_FILE, "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01")
    with pytest.raises(ModelError, match="question adapter .* does not match its pinned SHA-256: reinstall"):
        question_model_folder(tmp_path / "no-base-needed", adapter=adapter, cache=tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())  # nothing half-made


@pytest.mark.slow
def test_merged_once_reused_and_merged_again_when_damaged(tmp_path):
    base = models.mpnet_folder()
    told: list[str] = []
    cache = tmp_path / "cache"
    folder = question_model_folder(base, cache=cache, notify=told.append)
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no work folder left behind
    record = json.loads((folder / MERGE_RECORD).read_text())
    assert record["adapter_sha256"] == models.QUESTION_ADAPTER_SHA256
    assert record["base_sha256"] == models.MPNET_WEIGHTS_SHA256
    assert len(told) == 1 and "Merging the question adapter" in told[0]
    assert question_model_folder(base, cache=cache, notify=told.append) == folder and len(told) == 1  # reused
    with open(folder / models.WEIGHTS_FILE, "r+b") as f:  # a byte changed after the merge
        f.seek(4096)
        f.write(b"\x7f")
    question_model_folder(base, cache=cache, notify=told.append)
    assert "does not match its record" in told[1] and models.sha256_file(folder / models.WEIGHTS_FILE) == record["sha256"]


@pytest.mark.slow
def test_questions_are_encoded_with_the_adapter_and_entries_without():
    adapted = SentenceTransformerEmbedder(backend="torch")
    plain = SentenceTransformerEmbedder(backend="torch", question_adapter=False)
    text = ["customers hanging up before an agent answers"]
    assert adapted.question_model_id == models.QUESTION_MODEL_ID and plain.question_model_id is None
    adapted.embed_questions(text)
    assert adapted._st is None  # asking an indexed corpus never loads the entries' model
    np.testing.assert_allclose(adapted.embed(text), plain.embed(text), atol=1e-5)  # entries: the base model
    np.testing.assert_allclose(plain.embed_questions(text), plain.embed(text), atol=1e-5)
    moved = float(adapted.embed_questions(text)[0] @ plain.embed_questions(text)[0])
    assert 0.5 < moved < 0.999  # the adapter moves a question, within the same space
    assert SentenceTransformerEmbedder("minilm").question_model_id is None  # trained for mpnet only


def test_searcher_takes_the_settings_chosen_for_the_question_model(corpus_copy, tmp_path, fake_embedder):
    from glossary_search.search import MODEL_SETTINGS, Searcher

    fake_embedder.question_model_id = models.QUESTION_MODEL_ID
    s = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder)
    chosen = MODEL_SETTINGS[models.QUESTION_MODEL_ID]
    assert s.weights == chosen.weights and s.calibration == chosen.calibration and s.feedback == chosen.feedback


def _training_script():
    spec = importlib.util.spec_from_file_location("train_question_adapter", ROOT / "scripts" / "train_question_adapter.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pseudo_questions_describe_the_concept_without_its_names():
    train = _training_script()
    entry = SimpleNamespace(term="Abandon Rate", aliases=("Abandonment rate",), acronym=None,
                            definition="The share of calls abandoned by callers before an agent answers. "
                                       "Abandon rates rise when queues are long.")
    questions = train.pseudo_questions(entry)
    assert questions[0] == "The share of calls abandoned by callers before an agent answers"
    assert "rates" not in questions[1] and "queues are long" in questions[1]  # its own name, plural too
    assert all("abandon " not in q.lower() and "rate " not in q.lower() for q in questions)


def test_training_pairs_join_glossaries_through_a_corpus_entry_both_match(tmp_path):
    train = _training_script()
    eval_dir = tmp_path / "eval"
    eval_dir.mkdir()
    pairs = [{"a": {"id": "x#1"}, "b": {"id": "corpus#7"}, "label": "same", "split": "real"},
             {"a": {"id": "y#2"}, "b": {"id": "corpus#7"}, "label": "same", "split": "real"},
             {"a": {"id": "y#3"}, "b": {"id": "corpus#7"}, "label": "related", "split": "real"}]
    (eval_dir / "duplicates-real.yaml").write_text(json.dumps({"pairs": pairs}))
    entries = {"x#1": object(), "y#2": object(), "y#3": object()}
    others = train.same_concept(eval_dir, entries)
    assert others["x#1"] == {"y#2"} and others["y#2"] == {"x#1"} and "y#3" not in others  # never the corpus
