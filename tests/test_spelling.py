"""Spelling correction against the corpus's words: typos fixed, real words and their inflections left alone."""
import pytest

from glossary_search.spelling import Speller

KNOWN = {"customer", "retention", "hanging", "desk", "charge", "escalation", "what", "service", "level",
         "agreement", "the", "for", "call", "center", "agents", "before"}
CORPUS = ["Customer Retention", "Keeping customers coming back.", "Escalation",
          "Gamification: game elements in agent work.", "Service Level Agreement", "Abandonment Rate"]


def speller(corpus=CORPUS):
    return Speller(lambda: KNOWN, lambda: corpus)


@pytest.mark.parametrize("question, expected", [
    ("custmer retension", "customer retention"),
    ("Servise Level Agrement", "Service Level Agreement"),  # capitals kept
    ("gamefication for call center agents", "gamification for call center agents"),  # two edits from 8 letters
    ("abandonmant rate?", "abandonment rate?"),
])
def test_typos_become_corpus_words(question, expected):
    assert speller().correct(question)[0] == expected


def test_the_changes_are_reported_word_by_word():
    assert speller().correct("custmer retension")[1] == [("custmer", "customer"), ("retension", "retention")]


@pytest.mark.parametrize("question", [
    "hanging up before",  # a word the model knows, one edit from nothing in particular
    "desks and chargers",  # inflections of known words ('charger' is one edit from the corpus's 'charge')
    "escalating",  # same stem as a known word
    "CCAAS pricing",  # capitals: an acronym, not a typo
    "valu",  # too short to tell
    "Überweisung",  # not ASCII: another language, not a typo
    "gamefcaton",  # three edits: too far
])
def test_real_words_and_far_words_are_left_alone(question):
    assert speller().correct(question) == (question, [])


def test_one_edit_below_eight_letters():
    assert speller(["Chatbot"]).correct("chatbott")[0] == "chatbot"  # 8 letters, one edit
    assert speller(["Effort"]).correct("efort")[0] == "effort"
    assert speller(["Effort"]).correct("effrot")[0] == "effort"  # a swap is one edit (Damerau)
    assert speller(["Effort"]).correct("eferrt")[1] == []  # two edits at six letters: no


def test_the_corpus_is_read_only_for_a_word_the_model_does_not_know():
    def corpus():
        raise AssertionError("corpus read for a question of known words")

    assert Speller(lambda: KNOWN, corpus).correct("what is customer retention") == ("what is customer retention", [])
