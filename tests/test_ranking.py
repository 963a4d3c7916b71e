"""Ranking pieces on hand-built inputs: strength labels, and how much a name inside a question counts."""
from __future__ import annotations

import numpy as np

from glossary_search.names import NameMatcher
from glossary_search.search import Calibration, label_strengths
from glossary_search.types import Entry, Hit

CAL = Calibration(close=0.42, strong=0.60, good=0.40)


def _hits(*scores: float) -> list[Hit]:
    return [Hit(entry=Entry("g", n + 1, f"T{n}", "d"), score=s, matched="definition") for n, s in enumerate(scores)]


def _signals(dense_max: float, name_max: float = 0.0) -> dict:
    return {"dense": np.array([dense_max, 0.1]), "names": np.array([name_max, 0.0])}


def test_labels_follow_the_fused_score_and_never_rise_down_the_list():
    labels = [h.strength for h in label_strengths(_hits(0.9, 0.61, 0.5, 0.3), _signals(0.7), CAL)]
    assert labels == ["strong", "strong", "good", "weak"]


def test_a_close_question_always_shows_its_first_hit_as_at_least_good():
    labels = [h.strength for h in label_strengths(_hits(0.35, 0.33), _signals(0.45), CAL)]
    assert labels == ["good", "weak"]


def test_nothing_close_means_every_hit_is_weak_whatever_its_score():
    labels = [h.strength for h in label_strengths(_hits(0.7, 0.5), _signals(0.30), CAL)]
    assert labels == ["weak", "weak"]


def test_a_term_named_outright_is_close_even_when_the_vectors_are_not():
    labels = [h.strength for h in label_strengths(_hits(0.65), _signals(0.30, name_max=0.97), CAL)]
    assert labels == ["strong"]


def test_a_name_running_through_many_definitions_counts_less_inside_a_question():
    entries = [Entry("g", 1, "Agent", "A person who answers customers."),
               Entry("g", 2, "Abandonment Rate", "Share of callers who hang up before being helped.")]
    entries += [Entry("g", n, f"Term {n}", f"Something an agent does, number {n}.") for n in range(3, 30)]
    matcher = NameMatcher(entries)
    generic = matcher.match("an agent helping a customer with billing")[0].score
    specific = matcher.match("what drives our abandonment rate up in winter")[1].score
    assert generic < 0.3 < specific
    assert matcher.match("agent")[0].score == 1.0  # asked outright, the bare name still answers


class _Directions:
    """Embeds a text as the hand-set vector of the first key word it contains (rows of one entry agree)."""

    model_id = "hand-built-3d"
    dim = 3
    VECTORS = {"gamma": [1.0, 0.0, 0.0], "rho": [0.6, 0.8, 0.0], "nu": [0.3, 0.95, 0.1],
               "xi": [0.3, 0.95, -0.1], "question": [0.9, 0.436, 0.0]}

    def embed(self, texts, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        out = np.array([next(v for k, v in self.VECTORS.items() if k in t.lower()) for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_feedback_moves_a_question_from_a_generic_entry_to_the_concept_its_neighbours_share(tmp_path):
    from glossary_search.search import Feedback, Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "g.yaml").write_text("title: G\nentries:\n" + "".join(
        f"  - term: {w.title()}\n    definition: The {w} thing.\n" for w in ("gamma", "rho", "nu", "xi")))
    searcher = Searcher.open(corpus, tmp_path / "index", embedder=_Directions())
    searcher.weights = {"dense": 1.0}  # the dense signal alone

    searcher.feedback = None
    assert searcher.ask("the question", top_k=1)[0].entry.term == "Gamma"  # nearest: cos 0.90 against 0.89
    searcher.feedback = Feedback(k=3, weight=0.6)
    assert searcher.ask("the question", top_k=1)[0].entry.term == "Rho"  # the mean of Gamma, Rho, Nu pulls it over
    closeness = searcher.signals("the question")["closeness"]
    assert abs(closeness - 0.9) < 1e-3  # "anything close?" is judged before feedback moved the question
