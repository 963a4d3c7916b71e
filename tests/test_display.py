"""Text helpers of the app on hand-built inputs: result cards, differences, escaping."""
from __future__ import annotations

from glossary_search.display import differing_words, distinct_definitions, escape_md, group_hits, plural
from glossary_search.types import Entry, Hit


def hit(n: int, term: str) -> Hit:
    return Hit(entry=Entry(glossary="g", position=n, term=term, definition="d"), score=1.0 - n / 10, matched="term")


def test_hits_sharing_any_key_share_a_card_at_the_rank_of_the_best():
    keys = {"CSAT": {"concept:csat", "term:csat"}, "CSAT score": {"concept:csat", "term:csat score"},
            "CSAT score copy": {"concept:alone", "term:csat score"}, "NPS": {"concept:nps", "term:nps"}}
    hits = [hit(1, "NPS"), hit(2, "CSAT score copy"), hit(3, "CSAT"), hit(4, "CSAT score")]
    cards = group_hits(hits, lambda e: keys[e.term])
    # "CSAT score" shares a name with the copy and a concept with "CSAT": all three become one card.
    assert [[h.entry.term for h in c.hits] for c in cards] == [["NPS"], ["CSAT score copy", "CSAT", "CSAT score"]]
    assert [c.title for c in cards] == ["NPS", "CSAT score copy"]


def test_differing_words_skip_stop_words():
    words = differing_words("A survey that measures satisfaction with an interaction.",
                            ["A measure of the likelihood that customers will recommend a brand."])
    assert words == {"survey", "satisfaction", "interaction"}


def test_escape_md_keeps_links_and_html_as_text():
    assert escape_md("[x](e) <b>") == "\\[x\\]\\(e\\) \\<b\\>"
    # The joiner after each ':' that opens a name breaks the icon; a ':' before a space or the end opens none.
    assert escape_md(":material/home: :smile:") == "\\:\u2060material/home\\: \\:\u2060smile\\:"


def test_escape_md_adds_nothing_invisible_after_a_colon_and_a_space():
    # Copying "gave no name: we named it" from the page must give exactly that text.
    assert escape_md("gave no name: we named it") == "gave no name\\: we named it"


def test_escape_md_breaks_what_would_autolink_with_an_invisible_joiner():
    wj = "\u2060"
    assert escape_md("see http://e.example") == f"see http\\:{wj}//e\\.example"
    assert escape_md("www.e.example bob@e.example") == f"www{wj}\\.e\\.example bob{wj}@e\\.example"


def test_entries_reviewed_apart_never_share_a_card_even_with_one_name():
    """'Not the same' on two 'Contact Center' entries: the name alone must not merge them again."""
    hits = [hit(1, "Contact Center"), hit(2, "Contact Center"), hit(3, "Contact Center")]
    apart = {frozenset(("g#1", "g#2"))}
    cards = group_hits(hits, lambda e: {"term:contact center"}, lambda a, b: frozenset((a.id, b.id)) in apart)
    # The third (no decision) joins the first card; the second stays on a card of its own.
    assert [[h.entry.id for h in c.hits] for c in cards] == [["g#1", "g#3"], ["g#2"]]


def test_a_card_prints_one_wording_once_under_every_glossary_that_has_it():
    twice = [Hit(entry=Entry(glossary=g, position=n, term="Callback", definition=text), score=0.5, matched="term")
             for g, n, text in (("out", 9, "Call back later."), ("out", 10, "Call  back later."),
                                ("cs", 3, "Another wording."))]
    assert [[h.entry.id for h in same] for same in distinct_definitions(twice)] == [["out#9", "out#10"], ["cs#3"]]


def test_counts_agree_with_their_noun():
    assert [plural(1, "entry", "entries"), plural(2, "entry", "entries"), plural(43, "group"),
            plural(1, "glossary", "glossaries"), plural(1200, "term")] == \
        ["1 entry", "2 entries", "43 groups", "1 glossary", "1,200 terms"]


def test_a_glossary_keeps_its_colour_whatever_the_filter():
    from glossary_search.display import PALETTE, glossary_colours

    every = ["COPC", "Office Gurus", "Rohan", "Vicasso", "Consulting"]
    domain, colours = glossary_colours(every, ["Vicasso", "COPC", "Vicasso"])
    assert domain == ["COPC", "Vicasso"] and colours == [PALETTE[0], PALETTE[3]]
    full = dict(zip(*glossary_colours(every, every)))
    assert dict(zip(domain, colours)) == {name: full[name] for name in domain}
    many = [f"g{n}" for n in range(12)]
    assert glossary_colours(many, ["g11"]) == (["g11"], [PALETTE[1]])  # the palette repeats after ten


def test_why_a_definition_matched_names_content_words_only():
    """'how do I bake sourdough bread' explained Churn Rate by 'doing' (same stem as 'do'): function words
    say nothing about why a definition matched."""
    from glossary_search.keyword import shared_words, stem_words

    question = set(stem_words("how do I bake sourdough bread before closing time"))
    assert shared_words(question, "Doing the baking before the time runs out; bread.") == ["baking", "time", "bread"]


def test_words_most_entries_share_do_not_explain_a_match():
    """'customers hanging up…' explained Abandonment Rate by 'customers', a word in two thirds of the
    corpus's definitions: the app then said 'Matched on words in the definition: customers' for what was a
    match on meaning. Only words found in at most a fifth of the entries count."""
    from glossary_search.keyword import KeywordIndex, stem, stem_words

    texts = [f"Customers of team {n} get a service." for n in range(9)] + ["Customers abandon the queue."]
    index = KeywordIndex(texts)
    question = set(stem_words("customers abandon the queue"))
    assert index.telling(question) == {stem("abandon"), stem("queue")}
    assert stem("customers") in question
    assert KeywordIndex(["Customers wait.", "Customers leave."]).telling({stem("customers")}) == {stem("customers")}
