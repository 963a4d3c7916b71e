"""names.fold, the text folding of name matching: accents folded, never dropped; other scripts kept; ASCII as before."""
from __future__ import annotations

import re
import unicodedata

import pytest

from glossary_search.corpus import load_corpus
from glossary_search.names import NameMatcher, fold
from glossary_search.types import Entry

from .conftest import CORPUS


def _ascii_fold(text: str) -> str:
    """fold as it was before accents were folded: the answer for pure ASCII must not move."""
    words = re.findall(r"[0-9a-z]+", text.casefold())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


@pytest.mark.parametrize("text, folded", [
    ("Café", "cafe"),
    ("Überweisung", "uberweisung"),
    ("naïve Bayes", "naive baye"),  # the plural 's' rule still applies
    ("Crème brûlée", "creme brulee"),
    ("Straße", "strasse"),
    ("ﬁnal", "final"),  # compatibility ligature
    ("Время ожидания", "время ожидания"),
    ("Σίσυφος", "σισυφοσ"),
    ("平均处理时间", "平均处理时间"),
])
def test_accents_are_folded_and_other_scripts_kept(text, folded):
    assert fold(text) == folded


def test_nfc_and_nfd_spellings_fold_alike_and_match_the_bare_letters():
    for word in ("café", "Überweisung", "naïve", "Ёлка"):
        nfc, nfd = unicodedata.normalize("NFC", word), unicodedata.normalize("NFD", word)
        assert nfc != nfd and fold(nfc) == fold(nfd)
    assert fold("cafe") == fold("café") and fold("naive") == fold("naïve")


def test_signs_inside_other_scripts_words_stay_part_of_the_word():
    # The virama makes a different word ('shabd' against 'shabad'), and a vowel sign splits no word.
    assert fold("शब्द") != fold("शबद") and len(fold("हिंदी शब्द").split()) == 2
    assert len(fold("مُعَدَّل الانتظار").split()) == 2


def test_ascii_text_folds_exactly_as_before():
    corpus = load_corpus(CORPUS)
    texts = [t for e in corpus.entries for t in (e.term, e.definition, *e.names)]
    texts += ["what's AHT?", "KPIs and SLAs", "C# vs C++", "first-call resolution (FCR)", "snake_case 42x"]
    for text in texts:
        if text.isascii():
            assert fold(text) == _ascii_fold(text), text


def test_a_name_with_accents_or_in_another_script_is_matched_in_a_question():
    entries = [
        Entry("g", 1, "Café Service Level", "The share of café orders served within the target time."),
        Entry("g", 2, "Время ожидания", "Сколько клиент ждёт ответа оператора."),
        Entry("g", 3, "Average Handle Time", "The average duration of a customer interaction.", acronym="AHT"),
    ]
    matcher = NameMatcher(entries)
    for question in ("what is café service level?", "what is cafe service level?", "What is CAFÉ SERVICE LEVEL"):
        match = matcher.match(question)
        assert 0 in match and match[0].kind == "term" and match[0].score == pytest.approx(1.0), question
    assert 1 in matcher.match("Что такое время ожидания?") and 1 not in matcher.match("what is AHT")
