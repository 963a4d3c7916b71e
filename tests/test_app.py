"""The Streamlit app through streamlit.testing: ask, filter, empty input, bookmarkable URLs, every view."""
from __future__ import annotations

import ast

import pytest
from streamlit.testing.v1 import AppTest

from glossary_search.concepts import DEFAULT_THRESHOLDS
from glossary_search.termbase import IMPORT_LIMIT, MAX_IMPORT_MB

from .conftest import ROOT

pytestmark = pytest.mark.slow
DEFAULT_SAME = DEFAULT_THRESHOLDS.same
WAIT_TERMS = {"Wait Time", "Queue Time", "Average Speed of Answer"}


@pytest.fixture
def app(real_searcher, monkeypatch, tmp_path_factory):
    # The app's cached searcher is the session's real one: the model loads once for all app tests.
    import glossary_search.search as search_module

    monkeypatch.setattr(search_module.Searcher, "open", classmethod(lambda cls, *a, **k: real_searcher))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    yield at
    at.session_state  # noqa: B018 - keep the object alive until the test ends


def card_titles(at) -> list[str]:
    return [m.value.removeprefix("### ").replace("\\", "") for m in at.markdown if m.value.startswith("### ")]


def badges(at) -> set[str]:
    return {m.value.split("]")[0].split("[")[1].replace("\\", "") for m in at.markdown
            if m.value.startswith(":violet-badge[")}


def ask(at, question: str):
    at.run()
    at.text_input[0].input(question)
    next(b for b in at.button if b.label == "Search").click()
    return at.run()


def test_asking_renders_a_wait_time_term_first(app):
    ask(app, "how do I measure wait time")
    assert not app.exception
    assert card_titles(app)[0] in WAIT_TERMS
    assert app.query_params["q"] == ["how do I measure wait time"] or app.query_params["q"] == "how do I measure wait time"


def test_same_concept_from_several_glossaries_is_one_card(app):
    ask(app, "what is NPS")
    titles = card_titles(app)
    assert titles[0] == "Net Promoter Score (NPS)" and titles.count("Net Promoter Score (NPS)") == 1


def test_entries_with_one_name_share_a_card_even_outside_a_concept_group(app):
    ask(app, "what is CSAT")
    titles = card_titles(app)
    assert sum("Customer Satisfaction Score" in t for t in titles) == 1, titles


def test_a_group_found_by_meaning_alone_does_not_merge_cards(app):
    """The vectors find Inbound and Outbound Contact Center alike; they are opposites, each its own card."""
    ask(app, "inbound contact center")
    titles = card_titles(app)
    assert titles[0] == "Inbound Contact Center" and "Outbound Contact Center" in titles, titles


def test_glossary_filter_narrows_results(app):
    app.run()
    app.sidebar.multiselect[0].set_value(["office-gurus-bpo"]).run()
    ask(app, "customer satisfaction")
    assert badges(app) == {"Office Gurus"}  # glossaries go by their short names


def test_empty_question_shows_a_hint_not_an_error(app):
    ask(app, "   ")
    assert not app.exception and not app.error
    assert "Type a question" in app.info[0].value


def test_query_param_url_restores_the_search(app):
    app.query_params["q"] = "AHT"
    app.run()
    assert app.text_input[0].value == "AHT"
    assert card_titles(app)[0] == "Average Handle Time (AHT)"


def test_unrelated_question_says_no_close_match(app):
    ask(app, "banana bread with walnuts")
    assert any("No close match" in w.value for w in app.warning) and card_titles(app)


def test_comparison_shows_two_terms_side_by_side(app):
    ask(app, "CSAT vs NPS")
    assert any(s.value == "Side by side" for s in app.subheader)


def test_markdown_and_html_in_a_question_stay_text(app):
    ask(app, "[click me](http://evil.example) <script>alert(1)</script>")
    assert not app.exception
    rendered = " ".join(m.value for m in app.markdown)
    assert "](http" not in rendered and "<script>" not in rendered


def test_term_page_shows_every_glossary_duplicates_and_related(app):
    app.query_params["term"] = "customer-service-terms#55"  # Net Promoter Score
    app.run()
    assert app.title[0].value == "Net Promoter Score \\(NPS\\)"  # escaped: corpus text is never Markdown
    assert badges(app) == {"Customer Service", "Office Gurus"}
    assert {s.value for s in app.subheader} >= {"Same concept", "Related", "Nearest concepts"}
    assert any("Customer Satisfaction" in b.label for b in app.button)
    listed = {prefix: {b.key.split("-", 1)[1] for b in app.button if b.key and b.key.startswith(prefix + "-")}
              for prefix in ("dup", "close", "rel")}
    assert listed["rel"] and not listed["rel"] & (listed["dup"] | listed["close"])  # each term in one list


def test_term_pages_never_list_a_term_twice(app):
    """Nearest concepts shows what the Same concept and Related lists do not (it used to repeat them)."""
    for term in ("contact-center-consulting#4", "office-gurus-bpo#1", "customer-service-terms#10"):
        app.query_params["term"] = term
        app.run()
        keys = [b.key for b in app.button if b.key and b.key.split("-", 1)[0] in ("dup", "close", "rel", "apart")]
        ids = [k.split("-", 1)[1] for k in keys]
        assert len(ids) == len(set(ids)), (term, keys)


def test_term_page_marks_a_see_reference_that_points_nowhere(app):
    app.query_params["term"] = "contact-center-consulting#8"  # Critical Error -> Compliance Critical Error
    app.run()
    assert any("not defined in any glossary" in c.value for c in app.caption)


def test_duplicates_view_lists_groups_and_offers_downloads(app):
    app.query_params["view"] = "duplicates"
    app.run()
    assert not app.exception
    # The band in words ('identical' beside a score under 1.00 read as a contradiction)
    assert any("`identical wording` · score" in m.value for m in app.markdown)
    assert not any("`identical` ·" in m.value or "`same` ·" in m.value for m in app.markdown)
    assert any("Customer Satisfaction Score" in m.value and "named alike" in m.value for m in app.markdown)
    found = any("by meaning" in m.value for m in app.markdown)
    for page in range(2, 5):  # the suggestions to review say so, on some page
        if not found:
            app.query_params["page"] = str(page)
            app.run()
            found = any("by meaning" in m.value for m in app.markdown)
    assert found
    app.query_params.pop("page")
    app.run()
    threshold = lambda: next(s for s in app.slider if s.label.startswith("Same-concept"))  # noqa: E731
    threshold().set_value(0.7).run()  # a stricter threshold finds fewer groups
    strict = [c.value for c in app.caption if " groups; showing" in c.value][0]
    assert app.query_params["threshold"] in ("0.70", ["0.70"])  # kept in the URL, so a shared link keeps it
    threshold().set_value(0.4).run()
    loose = [c.value for c in app.caption if " groups; showing" in c.value][0]
    assert int(strict.split()[0].replace(",", "")) < int(loose.split()[0].replace(",", ""))


def test_a_shared_threshold_is_restored_and_a_bad_one_falls_back_with_a_notice(app):
    app.query_params.update({"view": "duplicates", "threshold": "0.7"})
    app.run()
    slider = next(s for s in app.slider if s.label.startswith("Same-concept"))
    assert slider.value == pytest.approx(0.7) and not app.warning
    for bad in ("abc", "5", "nan", "0.1"):
        app.query_params.update({"view": "duplicates", "threshold": bad})
        app.run()
        slider = next(s for s in app.slider if s.label.startswith("Same-concept"))
        assert slider.value == pytest.approx(DEFAULT_SAME) and not app.exception
        assert any("threshold" in w.value and "default" in w.value for w in app.warning), bad
    app.query_params.update({"view": "duplicates", "threshold": "9" * 60})  # a long value is cut, visibly
    app.run()
    assert any("“" + "9" * 40 + " …”" in w.value for w in app.warning), app.warning


def test_explore_says_when_a_link_names_no_known_term(app, real_searcher):
    """A link with an unknown focus silently showed another term."""
    app.query_params.update({"view": "explore", "focus": "no-such-term"})
    app.run()
    shown = real_searcher.entry(app.selectbox[0].value)
    assert not app.exception
    assert any(i.value.replace("\\", "").startswith("The link's term “no-such-term” is not in the glossaries: "
                                                      f"showing {shown.label}") for i in app.info), app.info


def test_explore_view_shows_related_concepts_and_the_map(app, real_searcher):
    app.query_params["view"] = "explore"
    app.run()
    assert not app.exception
    assert any(s.value == "Related concepts" for s in app.subheader)
    assert len([b for b in app.button if "·" in b.label]) == 8
    assert "See" not in app.selectbox[0].value  # it starts on a real term, not a cross-reference
    start = real_searcher.entry(app.selectbox[0].value)  # and one that several glossaries define by its name
    assert len({e.glossary for e in real_searcher.corpus.find_by_name(start.term)}) >= 3, start.label


def test_explore_says_when_the_filter_leaves_out_the_focused_term(app, real_searcher):
    churn = next(e for e in real_searcher.entries if e.glossary == "office-gurus-bpo" and e.term == "Churn Rate")
    app.query_params.update({"view": "explore", "focus": churn.id})
    app.run()
    assert app.selectbox[0].value == churn.id and not app.info
    app.query_params["g"] = "customer-service-terms"
    app.run()
    shown = real_searcher.entry(app.selectbox[0].value)
    assert shown.glossary == "customer-service-terms"
    assert any(i.value.replace("\\", "").startswith("Churn Rate (Office Gurus) is not in the chosen glossaries: "
                                                      f"showing {shown.label}") for i in app.info), app.info


def test_a_term_page_prints_only_its_own_concept_and_suggests_what_meaning_alone_joins(app, real_searcher):
    """Ask keeps Queue Time and Wait Time (joined by meaning alone) on two cards; Queue Time's page printed
    Wait Time's definition as its own. It now lists it under Same concept as a suggestion."""
    queue = next(e for e in real_searcher.entries if e.term == "Queue Time")
    wait = next(e for e in real_searcher.entries if e.term == "Wait Time" and e.glossary == queue.glossary)
    real_searcher.duplicate_pairs()
    group = real_searcher.concept_of(queue)
    assert group is not None and wait in group.entries  # one concept, by meaning
    assert wait not in real_searcher.same_concept(queue)
    app.query_params["term"] = queue.id
    app.run()
    assert not any("Wait Time" in m.value and m.value.startswith(":violet-badge") for m in app.markdown)
    assert any(b.label.replace("\\", "").startswith("Wait Time · Office Gurus — likely the same (") for b in app.button)


def test_no_unsafe_html_anywhere_in_the_app():
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html":
            pytest.fail(f"app.py line {node.value.lineno}: unsafe_allow_html is not allowed")
    # st.html only with a module-level string literal: never text from a user, a URL or a glossary.
    constants = {t.id for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "st.html":
            assert len(node.args) == 1 and isinstance(node.args[0], ast.Name) and node.args[0].id in constants, \
                f"app.py line {node.lineno}: st.html with something other than a constant string"


def test_server_config_listens_on_localhost_without_usage_stats():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1" and config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False


def test_a_changed_corpus_is_noticed_and_reloaded(app, monkeypatch):
    import streamlit as st

    import glossary_search.corpus as corpus_module

    st.cache_resource.clear()
    app.run()
    assert not any("changed on disk" in i.value for i in app.info)
    monkeypatch.setattr(corpus_module, "corpus_fingerprint", lambda root: "an edited corpus")
    app.run()
    assert any("changed on disk" in i.value for i in app.info)
    next(b for b in app.button if b.label == "Reload the glossaries").click()
    app.run()
    assert not any("changed on disk" in i.value for i in app.info) and not app.exception


def test_results_slider_shows_only_in_ask(app):
    app.run()
    assert [s.label for s in app.sidebar.slider] == ["Results"]
    app.query_params["view"] = "browse"
    app.run()
    assert not app.sidebar.slider and not app.exception


def test_an_unexpected_error_is_one_sentence_not_a_traceback(app, real_searcher, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("/secret/path/file.py exploded")

    monkeypatch.setattr(type(real_searcher), "answer", broken)
    at = ask(app, "what is NPS")
    assert not at.exception  # no traceback element on the page
    assert any("Something went wrong" in e.value for e in at.error)
    assert not any("/secret/path" in e.value for e in at.error)


def test_add_view_offers_an_upload_and_the_corpus_downloads(app, real_searcher):
    app.query_params["view"] = "add"
    app.run()
    assert not app.exception and not app.error
    assert [t.value for t in app.title] == ["Add a glossary"]
    (uploader,) = app.get("file_uploader")
    # One limit, one unit: the uploader enforces and shows it, its help and the caption say the same.
    limit = IMPORT_LIMIT.replace(" ", "\u00a0")  # kept on one line
    assert uploader.proto.max_upload_size_mb == MAX_IMPORT_MB and limit in uploader.proto.help
    assert any(f"Up to {limit}." in c.value for c in app.caption)
    assert len(app.get("download_button")) == 3  # CSV, Excel, TBX of every glossary
    assert any(f"({len(real_searcher.entries)} entries)" in c.value for c in app.caption)


@pytest.fixture
def review_app(real_searcher, shared_index, corpus_copy, monkeypatch):
    """The app over a writable copy of the corpus (decisions.yaml is written there), with the session's model."""
    import streamlit as st

    import glossary_search.search as search_module

    searcher = search_module.Searcher.open(corpus_copy, shared_index, embedder=real_searcher.embedder)
    monkeypatch.setattr(search_module.Searcher, "open", classmethod(lambda cls, *a, **k: searcher))
    monkeypatch.setenv("GLOSSARY_SEARCH_CORPUS", str(corpus_copy))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    yield at, searcher, corpus_copy
    st.cache_resource.clear()  # the next test's app gets its own searcher


FAQ_CC, GURUS_CC = "contact-center-faq#1", "office-gurus-bpo#18"  # both "Contact Center"


def open_group(at, searcher, ids: set[str]) -> int:
    """Open the duplicates page that lists the group of these entries; its number on the page."""
    groups = searcher.duplicates(bands=["identical", "same"])
    n = next(i for i, g in enumerate(groups) if {e.id for e in g.entries} == ids)
    at.query_params["view"] = "duplicates"
    at.query_params["page"] = str(n // 25 + 1)
    at.run()
    return n


def test_not_the_same_is_confirmed_undoable_and_holds_on_the_term_page_and_the_cards(review_app):
    at, searcher, corpus = review_app
    n = open_group(at, searcher, {FAQ_CC, GURUS_CC})
    at.button(key=f"different-{n}").click().run()
    assert not at.exception
    assert searcher.decisions.apart(FAQ_CC, GURUS_CC)
    # One line names the group and offers Undo; the group is listed under Show: Reviewed.
    assert any("Contact Center" in s.value and "not the same" in s.value for s in at.success)
    assert at.button(key="undo-last")
    at.query_params["show"] = "reviewed"
    at.run()
    rows = [m.value for m in at.markdown if "reviewed: not the same" in m.value]
    assert len(rows) == 1 and "Contact Center" in rows[0] and "Office Gurus" in rows[0]
    # The term page says the other glossary's entry was reviewed apart, and links it.
    at.query_params.clear()
    at.query_params["term"] = FAQ_CC
    at.run()
    assert any(c.value.startswith("Reviewed as not the same concept") for c in at.caption)
    assert not any("No other glossary defines it" in c.value for c in at.caption)
    assert at.button(key=f"apart-{GURUS_CC}")
    # The cards follow: the two Contact Center entries are two cards now.
    at.query_params.clear()
    ask(at, "contact center")
    assert card_titles(at).count("Contact Center") == 2, card_titles(at)
    # Undo from the reviewed list takes the decision back, in the file too.
    at.query_params.clear()
    at.query_params.update({"view": "duplicates", "show": "reviewed"})
    at.run()
    at.button(key="undo-pair-0").click().run()
    assert not searcher.decisions.get(FAQ_CC, GURUS_CC)
    assert not (corpus / "decisions.yaml").exists()  # undoing the only review removes the file
    at.query_params.clear()
    ask(at, "contact center")
    assert card_titles(at).count("Contact Center") == 1


def test_the_confirmation_undo_restores_the_group(review_app):
    at, searcher, corpus = review_app
    n = open_group(at, searcher, {FAQ_CC, GURUS_CC})
    at.button(key=f"different-{n}").click().run()
    at.button(key="undo-last").click().run()
    assert not at.exception and not at.success
    assert not searcher.decisions.get(FAQ_CC, GURUS_CC)
    assert open_group(at, searcher, {FAQ_CC, GURUS_CC}) == n


def test_a_shared_link_filtered_to_a_glossary_says_so_above_the_results_and_clears(app):
    app.query_params.update({"q": "wait time", "g": "outsourcing-terms"})
    app.run()
    line = [i.value for i in app.info if "glossaries" in i.value]
    assert line == ["Searching 1 of 5 glossaries: Outsourcing."], line
    assert badges(app) == {"Outsourcing"}
    app.button(key="filter-clear").click().run()
    assert "g" not in app.query_params and not [i for i in app.info if "glossaries" in i.value]
    assert app.sidebar.multiselect[0].value == []  # an empty box: every glossary
    assert app.sidebar.multiselect[0].placeholder == "All glossaries"


def test_counts_read_as_english(app):
    app.query_params.update({"view": "browse", "filter": "brand loyalty"})
    app.run()
    assert "1 term (filtered)" in [c.value for c in app.main.caption]
    app.query_params.clear()
    app.query_params["term"] = "customer-service-terms#55"  # NPS, in two glossaries
    app.run()
    assert any(c.value == "Defined in 2 glossaries above." for c in app.caption)
    assert not any("(s)" in c.value or "(ies)" in c.value for c in app.caption)


def test_typing_a_browse_filter_searches_every_letter(app):
    """With letter Q picked, 'rate' found 0 terms and said nothing: typing now leaves the letter."""
    app.query_params.update({"view": "browse", "letter": "Q"})
    app.run()
    assert app.segmented_control(key="letter_box").value == "Q"
    app.text_input(key="filter_box").input("rate").run()
    assert "letter" not in app.query_params and app.query_params["filter"] in ("rate", ["rate"])
    count = next(c.value for c in app.main.caption if "(filtered)" in c.value)
    assert int(count.split()[0]) >= 5, count  # Abandonment Rate, Churn Rate, ...


def test_twin_entries_of_one_glossary_are_told_apart_and_printed_once_on_a_card(app):
    """Outsourcing defines Callback twice, word for word (entries 1 and 2)."""
    app.query_params["view"] = "duplicates"
    app.run()
    buttons = [b.label for b in app.button if b.key in ("g0-outsourcing-terms#1", "g0-outsourcing-terms#2")]
    assert buttons == ["Open entry 1 of Outsourcing →", "Open entry 2 of Outsourcing →"]
    opens = [b.label for b in app.button if (b.key or "").startswith("g") and b.label.startswith("Open ")]
    assert opens and all(len(label) <= 34 for label in opens), opens  # short: the term is the line above
    app.query_params.clear()
    app.query_params["q"] = "callback"
    app.run()
    assert card_titles(app)[0] == "Callback"
    printed = [m.value for m in app.markdown if "deferred transactions" in m.value]
    assert len(printed) == 1 and printed[0].startswith(":violet-badge[Outsourcing] ")


def test_a_concept_several_glossaries_define_is_one_line_under_related(app):
    """CSAT's page listed Customer Effort Score three times (one per glossary): now once, naming them."""
    app.query_params["term"] = "customer-service-terms#33"
    app.run()
    close = [b.label for b in app.button if b.key and b.key.startswith("close-")]
    names = [label.split(" · ")[0] for label in close]
    assert close and len(names) == len(set(names)), close


def test_back_from_a_term_page_names_the_view_it_returns_to(app):
    app.query_params["term"] = "customer-service-terms#33"
    app.query_params["view"] = "duplicates"
    app.run()
    assert any(b.label == "← Back to duplicates" for b in app.button)


def test_on_a_term_page_no_view_is_lit_and_the_one_it_came_from_leaves_it(app):
    """The view a term page was opened from stayed lit, and a click on it did nothing (a browser tester)."""
    app.query_params["term"] = "customer-service-terms#33"
    app.query_params["view"] = "duplicates"
    app.run()
    views = app.get("button_group")[0]
    assert views.value is None
    views.set_value("duplicates").run()
    assert "term" not in app.query_params and app.query_params["view"] == "duplicates"
    assert app.get("button_group")[0].value == "duplicates"


def test_results_counts_cards_not_entries(app):
    """'Results: 5' showed four cards when two entries shared one (a browser tester): it counts cards now."""
    for question, k in (("what is NPS", 5), ("customer satisfaction", 3), ("what is CSAT vs NPS", 2)):
        app.query_params["k"] = str(k)
        ask(app, question)
        titles = card_titles(app)
        assert len(titles) == k and len(set(titles)) == k, (question, titles)
