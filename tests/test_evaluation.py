"""Scoring of the labeled sets: a split with no 'same' pair must not report a recall it cannot measure."""
from glossary_search.evaluation import LabeledPair, same_concept_metrics


def pairs(*labels):
    return [LabeledPair(f"g#{n}", f"h#{n}", label, "heldout") for n, label in enumerate(labels)]


def test_precision_recall_and_the_counts_behind_them():
    m = same_concept_metrics(pairs("same", "same", "related", "different"), ["identical", None, "same", "related"])
    assert (m["labeled_same"], m["called_same"], m["wrongly_same"]) == (2, 2, 1)
    assert (m["precision"], m["recall"]) == (0.5, 0.5)


def test_no_same_pair_labeled_leaves_recall_undefined_and_counts_false_calls():
    m = same_concept_metrics(pairs("related", "different", "related"), ["same", None, "related"])
    assert m["recall"] is None and m["f1"] is None
    assert (m["precision"], m["wrongly_same"]) == (0.0, 1)
    assert same_concept_metrics(pairs("related"), [None])["precision"] is None  # nothing called 'same'
