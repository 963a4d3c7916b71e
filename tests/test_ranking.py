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
