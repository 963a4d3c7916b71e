"""The real model over the real corpus: the answers users rely on, and quality floors from eval/."""
from __future__ import annotations

import threading

import pytest

from glossary_search import evaluation as ev
from glossary_search.errors import UnknownTermError, UsageError
from glossary_search.examples import EXAMPLES
from glossary_search.report import basis_note

from .conftest import ROOT

pytestmark = pytest.mark.slow
WAIT_TERMS = {"Wait Time", "Queue Time", "Average Speed of Answer"}


def test_wait_time_question_puts_a_wait_time_term_first(real_searcher):
    hits = real_searcher.ask("how do I measure wait time")
    assert hits[0].entry.term in WAIT_TERMS
    assert hits[0].strength in ("strong", "good")


@pytest.mark.parametrize("question, term, matched", [
    ("what is NPS", "Net Promoter Score", "acronym"),
    ("AHT", "Average Handle Time", "acronym"),
    ("avrage handel time", "Average Handle Time", "term"),
    ("what does CSAT stand for", "Customer Satisfaction Score", "acronym"),
    ("What is TA in call center?", "Technical Assistance", "acronym"),
])
def test_names_acronyms_and_typos_land_on_the_entry(real_searcher, question, term, matched):
    hit = real_searcher.ask(question, top_k=3)[0]
    assert hit.entry.term.startswith(term.split(" Score")[0]) and hit.matched == matched


@pytest.mark.parametrize("question, term", [("custmer retension", "Customer Retention"),
                                            ("gamefication for call center agents", "Gamification")])
def test_misspelt_words_are_corrected_and_the_user_is_told(real_searcher, question, term):
    # The model reads 'custmer retension' nearer Escalation; corrected, it reads the term.
    answer = real_searcher.answer(question, top_k=3)
    assert answer.hits[0].entry.term == term
    assert any(n.startswith("Spelling corrected: ") for n in answer.notices)


def test_real_words_are_not_corrected(real_searcher):
    answer = real_searcher.answer("customers hanging up before an agent answers, desks and chargers")
    assert not any(n.startswith("Spelling corrected") for n in answer.notices)


def test_hits_carry_term_definition_glossary_score_and_reason(real_searcher):
    hits = real_searcher.ask("how long do customers wait in the queue", top_k=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert h.entry.definition and h.entry.glossary and 0.0 <= h.score <= 1.0
        assert h.matched in ("term", "acronym", "alias", "definition")


def test_glossary_filter_narrows_results(real_searcher):
    hits = real_searcher.ask("net promoter score", top_k=10, glossaries=["office-gurus-bpo"])
    assert {h.entry.glossary for h in hits} == {"office-gurus-bpo"}
    with pytest.raises(UsageError, match="Unknown glossary 'nope'; valid glossaries: contact-center-consulting"):
        real_searcher.ask("nps", glossaries=["nope"])


def test_unrelated_question_says_no_close_match_but_still_shows_nearest(real_searcher):
    answer = real_searcher.answer("banana bread recipe with walnuts")
    assert not answer.close_match and len(answer.hits) == 5


@pytest.mark.parametrize("question", sorted(EXAMPLES))
def test_every_example_on_the_first_screen_puts_a_right_term_first(real_searcher, question):
    answer = real_searcher.answer(question)
    assert answer.close_match and answer.hits[0].entry.term in EXAMPLES[question], answer.hits[0].entry.term


def test_a_generic_term_named_inside_a_description_is_weak_evidence(real_searcher):
    # 'agent' runs through dozens of definitions: naming it inside a longer question is weak evidence, and
    # the answer is not labelled strong. (With the question adapter the meaning alone puts Agent first for
    # this vague question; the complaint was the name match and the "strong" label.)
    question = "agents helping customers with billing questions"
    signals = real_searcher.signals(question)
    agent = next(i for i, e in enumerate(real_searcher.entries) if e.term == "Agent")
    assert signals["names"][agent] * real_searcher.weights["names"] < 0.1
    assert real_searcher.ask(question, top_k=3)[0].strength != "strong"


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x01\t\n"])
def test_empty_questions_are_refused(real_searcher, bad):
    with pytest.raises(UsageError, match="question is empty"):
        real_searcher.ask(bad)


@pytest.mark.parametrize("bad", ["???", "...", " - ! "])
def test_questions_without_a_word_are_refused(real_searcher, bad):
    with pytest.raises(UsageError, match="has no words: type a few"):
        real_searcher.ask(bad)
    assert real_searcher.ask("CSAT?")  # punctuation beside a word is fine


@pytest.mark.parametrize("top_k", [0, -1, "5", 2.5, True])
def test_bad_top_k_is_refused(real_searcher, top_k):
    with pytest.raises(UsageError, match="top_k must be a whole number"):
        real_searcher.ask("nps", top_k=top_k)


def test_top_k_larger_than_corpus_returns_every_entry(real_searcher):
    assert len(real_searcher.ask("nps", top_k=10_000)) == len(real_searcher.entries)


def test_huge_question_is_truncated_with_a_notice(real_searcher):
    answer = real_searcher.answer("average handle time " * 1000)
    assert any("only the first 1,000 were used" in n for n in answer.notices)
    assert answer.hits[0].entry.term == "Average Handle Time"


@pytest.mark.parametrize("question", [
    "wait\x00time\x07 ", "⏱️ wait time 😡", "等待时间", "время ожидания", "<script>alert(1)</script> NPS",
    "[click](http://evil.example) ![x](http://evil.example/x.png)",
])
def test_odd_text_is_answered_not_crashed(real_searcher, question):
    answer = real_searcher.answer(question)
    assert len(answer.hits) == 5 and "\x00" not in answer.question


def test_related_concepts_exclude_own_duplicates(real_searcher):
    related = real_searcher.related("Net Promoter Score", top_k=5)
    assert len(related) == 5
    assert all(r.entry.term != "Net Promoter Score" for r in related)
    with pytest.raises(UnknownTermError) as err:
        real_searcher.related("Net Promotor Scor")
    assert "Net Promoter Score (NPS)" in err.value.suggestions


def test_exact_duplicates_in_the_seeds_are_all_in_the_identical_band(real_searcher):
    groups = real_searcher.duplicates(bands=["identical"])
    pairs = {frozenset(e.term for e in g.entries) for g in groups}
    assert {frozenset({"Callback"}), frozenset({"Order Management Support"}),
            frozenset({"Customer Feedback", "Customer Insights"})} <= pairs


def test_names_alike_make_one_concept_across_glossaries(real_searcher):
    """The issue's example: a seed 'Customer Satisfaction (CSAT)' and curated 'Customer Satisfaction Score's."""
    groups = real_searcher.duplicates(bands=["identical", "same"])
    csat = next(g for g in groups if any(e.term == "Customer Satisfaction" for e in g.entries))
    assert {e.term for e in csat.entries} == {"Customer Satisfaction", "Customer Satisfaction Score"}
    assert len({e.glossary for e in csat.entries}) == 3 and csat.score == 1.0
    # The 1.00 is by name; the note says how far the definitions themselves agree.
    assert basis_note(csat) == f"named alike, definitions {min(p.similarity for p in csat.pairs):.2f} similar"
    # One acronym, two concepts: the CSRs stay apart.
    for g in groups:
        assert not {"Corporate Social Responsibility", "Customer Service Representative"} <= {e.term for e in g.entries}


def test_related_concepts_keep_to_the_chosen_glossaries(real_searcher):
    """Explore with a glossary filter: the related list holds only the chosen glossaries' entries, as many as
    asked (it used to list the others too, under a banner saying they were left out)."""
    everywhere = real_searcher.related("Customer Satisfaction Score", top_k=8)
    assert {r.entry.glossary for r in everywhere} != {"office-gurus-bpo"}
    chosen = real_searcher.related("Customer Satisfaction Score", top_k=8, glossaries=["office-gurus-bpo"])
    assert len(chosen) == 8 and {r.entry.glossary for r in chosen} == {"office-gurus-bpo"}
    with pytest.raises(UsageError, match="Unknown glossary"):
        real_searcher.related("Customer Satisfaction Score", glossaries=["nope"])


def test_a_queue_and_its_queue_time_are_related_not_one_concept(real_searcher):
    """Close definitions, nested names, different kinds of thing: shown as related, and said why."""
    groups = real_searcher.duplicates(bands=["identical", "same", "related"])
    together = [g for g in groups if {"Queue", "Queue Time"} <= {e.term for e in g.entries}]
    assert together and all(g.band == "related" for g in together)
    # At a cut-off their score passes (0.51 with mpnet), the names still keep them apart, and say why.
    groups = real_searcher.duplicates(threshold=0.45, bands=["identical", "same", "related"])
    together = [g for g in groups if {"Queue", "Queue Time"} <= {e.term for e in g.entries}]
    assert together and all(g.band == "related" for g in together)
    assert any(basis_note(g) == "names of different kinds" for g in together)


def test_same_answers_from_eight_threads(real_searcher):
    questions = [q.text for q in ev.load_questions(ROOT / "eval" / "questions.yaml")]
    expected = {q: [h.entry.id for h in real_searcher.ask(q)] for q in questions}
    errors, mismatches = [], []

    def worker(offset: int) -> None:
        try:
            for n in range(250):
                q = questions[(offset * 31 + n) % len(questions)]
                if [h.entry.id for h in real_searcher.ask(q)] != expected[q]:
                    mismatches.append(q)
        except Exception as exc:  # noqa: BLE001 - any error fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and mismatches == []


# Just under the figures measured with the default model (README, Evaluation); a drop below fails.
SEARCH_FLOORS = {"tune": {"hit@1": 0.84, "hit@5": 0.95, "mrr@10": 0.89},
                 "heldout": {"hit@1": 0.92, "hit@5": 0.97, "mrr@10": 0.95},
                 "fresh": {"hit@1": 0.83, "hit@5": 0.97, "mrr@10": 0.89},
                 "managers": {"hit@1": 0.76, "hit@5": 0.91, "mrr@10": 0.83},
                 "real": {"hit@1": 0.90, "hit@5": 0.94, "mrr@10": 0.93},
                 "analysts": {"hit@1": 0.81, "hit@5": 0.96, "mrr@10": 0.87},
                 "asked": {"hit@1": 0.77, "hit@5": 0.93, "mrr@10": 0.84},
                 "asked2": {"hit@1": 0.80, "hit@5": 0.94, "mrr@10": 0.86},
                 "asked3": {"hit@1": 0.89, "hit@5": 0.96, "mrr@10": 0.92},
                 "managers2": {"hit@1": 0.75, "hit@5": 0.88, "mrr@10": 0.81},
                 "managers3": {"hit@1": 0.78, "hit@5": 0.95, "mrr@10": 0.85},
                 "asked4": {"hit@1": 0.80, "hit@5": 0.88, "mrr@10": 0.83},
                 "managers4": {"hit@1": 0.87, "hit@5": 0.95, "mrr@10": 0.90}}
# every tune first result labelled strong is right: how the cut-off is chosen (search.MODEL_SETTINGS)
STRENGTH_FLOORS = {"tune": {"strong_right": 0.99, "no_match_answerable_max": 0.05}}
# precision, recall (default model, same >= 0.52; measured 0.973, 0.901). Recall was 0.938 before the ordinal
# rule (identity.counts_one): tune labels 'Response Time' ~ '(Average) First Response Time' same (3 pairs), the
# blind labelers of four real sets call such pairs related (7 pairs), and the product follows them.
DUPLICATE_FLOORS = {"tune": (0.95, 0.89)}
HELDOUT_WRONGLY_SAME = 2  # of 150 blind pairs, none of them 'same': at most this many called 'same' (measured 1)


def test_search_quality_does_not_regress(real_searcher):
    questions = ev.load_questions(ROOT / "eval")
    ev.check_answers(real_searcher, questions)
    measured = ev.evaluate_search(real_searcher, questions)
    for split, floors in SEARCH_FLOORS.items():
        for name, floor in floors.items():
            assert measured[split][name] >= floor, (split, name, measured[split])


def test_duplicate_detection_does_not_regress(real_searcher):
    pairs = ev.load_pairs(ROOT / "eval" / "duplicates.yaml")
    measured = ev.evaluate_duplicates(real_searcher, pairs)
    precision, recall = DUPLICATE_FLOORS["tune"]
    assert measured["tune"]["precision"] >= precision and measured["tune"]["recall"] >= recall, measured["tune"]
    assert measured["heldout"]["labeled_same"] == 0  # the corpus's same-concept pairs are all in tune
    assert measured["heldout"]["wrongly_same"] <= HELDOUT_WRONGLY_SAME, measured["heldout"]


def test_strength_labels_stay_calibrated_on_tune(real_searcher):
    tune = [q for q in ev.load_questions(ROOT / "eval") if q.split == "tune"]
    m = ev.evaluate_strength(real_searcher, tune)["tune"]
    assert m["rising_lists"] == 0
    assert m["strong_right"] >= STRENGTH_FLOORS["tune"]["strong_right"], m
    assert m["no_match_answerable"] <= STRENGTH_FLOORS["tune"]["no_match_answerable_max"], m


def test_a_meaning_match_is_not_explained_by_a_common_word(real_searcher):
    """Abandonment Rate shares only 'customers' with the question, a word most definitions have: it matched
    on meaning, and the app says so (matched_text empty), instead of 'words in the definition: customers'."""
    hits = real_searcher.ask("customers hanging up before an agent answers", top_k=5)
    abandonment = next(h for h in hits if h.entry.term == "Abandonment Rate")
    assert abandonment.matched == "definition" and abandonment.matched_text == ""
    assert any("agent" in h.matched_text for h in hits)  # a rarer shared word still explains a match
