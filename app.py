"""glossary-search in the browser: ask, read a term, find duplicates, explore the vocabulary.

UI only: every answer comes from glossary_search.Searcher. Corpus and question text are rendered
as escaped Markdown or plain text, never as HTML.
"""
from __future__ import annotations

import os

import altair as alt
import pandas as pd
import streamlit as st

from glossary_search.display import (
    STRENGTH_WORDS,
    differing_words,
    entry_caption,
    escape_md,
    group_hits,
    highlight,
)
from glossary_search.concepts import DEFAULT_THRESHOLDS
from glossary_search.errors import GlossaryError, UsageError
from glossary_search.examples import EXAMPLES
from glossary_search.report import basis_note, to_csv, to_markdown
from glossary_search.search import Searcher

VIEWS = {"ask": ":material/search: Ask", "duplicates": ":material/difference: Duplicates",
         "explore": ":material/hub: Explore"}
STRENGTH_ICON = {"strong": ":green[●●●]", "good": ":orange[●●○]", "weak": ":gray[●○○]"}

st.set_page_config(page_title="Glossary Search", page_icon=":material/menu_book:", layout="wide")


@st.cache_resource(show_spinner="Loading the model and the index (the first start builds it, ~30 s)…")
def get_searcher() -> Searcher:
    return Searcher.open(os.environ.get("GLOSSARY_SEARCH_CORPUS"), os.environ.get("GLOSSARY_SEARCH_INDEX"))


def open_term(entry_id: str) -> None:
    st.query_params.clear()
    st.query_params["term"] = entry_id


def term_button(searcher: Searcher, entry, key: str, label: str | None = None) -> None:
    st.button(label or f"{entry.label} · {entry.glossary}", key=key, type="tertiary",
              on_click=open_term, args=(entry.id,))


# ---- Ask ----------------------------------------------------------------------------------------
def ask_view(searcher: Searcher, glossaries: list[str], top_k: int) -> None:
    st.title(":material/menu_book: Glossary Search")
    st.caption(f"{len(searcher.entries)} contact-center terms from {len(searcher.corpus.glossaries)} glossaries. "
               "Ask in plain English.")
    with st.form("ask", border=False):
        question = st.text_input("Your question", value=st.query_params.get("q", ""),
                                 placeholder="e.g. how do I measure wait time", label_visibility="collapsed")
        st.form_submit_button("Search", type="primary")
    st.write("Try:")
    cols = st.columns(len(EXAMPLES))
    for col, example in zip(cols, EXAMPLES):
        col.button(example, key=f"ex-{example}", on_click=_set_question, args=(example,))
    if question != st.query_params.get("q", ""):
        _set_question(question)
    question = st.query_params.get("q", "")
    if not question.strip():
        st.info("Type a question above, or pick an example, to find the matching terms.")
        return
    try:
        answer = searcher.answer(question, top_k=top_k, glossaries=glossaries or None)
        compared = searcher.compare(question)
    except UsageError as exc:
        st.warning(str(exc))
        return
    for notice in answer.notices:
        st.caption(f":material/info: {notice}")
    if compared:
        compare_view(searcher, compared)
    if not answer.close_match:
        st.warning("No close match for this question. The nearest terms are:")
    for n, card in enumerate(group_hits(answer.hits, searcher.card_keys)):
        result_card(searcher, card, n)


def _set_question(question: str) -> None:
    st.query_params.clear()
    if question.strip():
        st.query_params["q"] = question


def compare_view(searcher: Searcher, hits) -> None:
    st.subheader("Side by side")
    cols = st.columns(len(hits))
    for col, hit in zip(cols, hits):
        with col.container(border=True):
            st.markdown(f"**{escape_md(hit.entry.label)}**")
            others = [h.entry.definition for h in hits if h is not hit]
            st.markdown(highlight(hit.entry.definition, differing_words(hit.entry.definition, others), "blue"))
            st.caption(entry_caption(hit.entry))
            term_button(searcher, hit.entry, key=f"cmp-{hit.entry.id}", label="Open term page →")


def result_card(searcher: Searcher, card, n: int) -> None:
    best = card.best
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.markdown(f"### {escape_md(card.title)}")
        badge.markdown(f"{STRENGTH_ICON[best.strength]} **{STRENGTH_WORDS[best.strength]}**")
        why = {"definition": "words in the definition"}.get(best.matched, f"its {best.matched}")
        if best.matched_text:
            why += f": “{escape_md(best.matched_text)}”"
        st.caption(f"Matched on {why}")
        for hit in card.hits:
            e = hit.entry
            words = hit.matched_text.split(", ") if hit.matched == "definition" else []
            name = f"**{escape_md(e.label)}**: " if e.label != card.title else ""
            st.markdown(f":violet-badge[{escape_md(e.glossary)}] {name}" + highlight(e.definition, words))
            if e.see:
                st.caption(f"Cross-reference: see {e.see}")
        term_button(searcher, best.entry, key=f"card-{n}", label="Open term page →")


# ---- Term page ----------------------------------------------------------------------------------
def term_view(searcher: Searcher, entry_id: str) -> None:
    try:
        entry = searcher.entry(entry_id)
    except KeyError:
        st.warning(f"No term with id “{entry_id}”. It may have been removed from the corpus.")
        st.button("← Back to search", on_click=st.query_params.clear)
        return
    st.button("← Back to search", on_click=st.query_params.clear)
    st.title(entry.label)
    for e in searcher.same_concept(entry):
        with st.container(border=True):
            st.markdown(f":violet-badge[{escape_md(e.glossary)}] **{escape_md(e.label)}**")
            if e.question:
                st.caption(f"Question in the source: {e.question}")
            st.markdown(escape_md(e.definition))
            st.caption(entry_caption(e))
            if e.see:
                targets = searcher.corpus.resolve_see(e)
                if targets:
                    st.write(f"See {e.see}:")
                    for t in targets:
                        term_button(searcher, t, key=f"see-{e.id}-{t.id}")
                else:
                    st.caption(f"See “{e.see}”: not defined in any glossary.")
    left, right = st.columns(2)
    with left:
        st.subheader("Near duplicates")
        pairs = [p for p in searcher.duplicate_pairs() if entry.id in (p.a.id, p.b.id)]
        if not pairs:
            st.caption("None found.")
        for p in pairs:
            other = p.b if p.a.id == entry.id else p.a
            term_button(searcher, other, key=f"dup-{other.id}",
                        label=f"{other.label} · {other.glossary} — {p.band} ({p.evidence:.2f})")
    with right:
        st.subheader("Related concepts")
        for r in searcher.related(entry.id, top_k=8):
            term_button(searcher, r.entry, key=f"rel-{r.entry.id}",
                        label=f"{r.entry.label} · {r.entry.glossary} ({r.score:.2f})")


# ---- Duplicates ---------------------------------------------------------------------------------
def duplicates_view(searcher: Searcher, glossaries: list[str]) -> None:
    st.title(":material/difference: Near-duplicate terms")
    st.caption("The same concept defined twice, within one glossary or across several.")
    c1, c2 = st.columns([1, 2])
    threshold = c1.slider("Same-concept threshold (score)", 0.30, 0.80, DEFAULT_THRESHOLDS.same, 0.01,
                          help="How sure we are that two entries define one concept: the mean of definition similarity, "
                               "name similarity and shared words. Entries named alike (same term, alias, acronym "
                               "or a 'See' reference) are one concept whatever the threshold; names nested with different "
                               "last words ('Queue', 'Queue Time') are at most related. Lower finds more pairs; "
                               f"{DEFAULT_THRESHOLDS.same} was calibrated on a labeled set.")
    bands = c2.multiselect("Bands", ["identical", "same", "related"], default=["identical", "same"])
    groups = searcher.duplicates(threshold=threshold, bands=bands or None, glossaries=glossaries or None)
    d1, d2, d3 = st.columns([1, 1, 3])
    d1.download_button(":material/download: CSV", to_csv(groups), "duplicates.csv", "text/csv")
    d2.download_button(":material/download: Markdown", to_markdown(groups), "duplicates.md", "text/markdown")
    d3.caption(f"{len(groups)} group(s). Groups *named alike* share a term, alias, acronym or 'See' reference; "
               "groups *by meaning* are suggestions from the definitions alone: review them.")
    for n, g in enumerate(groups[:200]):
        with st.container(border=True):
            why = basis_note(g)
            st.markdown(f"**{escape_md(g.canonical)}** · `{g.band}` · score {g.score:.2f}" + (f" · {why}" if why else ""))
            cols = st.columns(len(g.entries))
            for col, e in zip(cols, g.entries):
                others = [o.definition for o in g.entries if o.id != e.id]
                with col:
                    st.markdown(f":violet-badge[{escape_md(e.glossary)}] **{escape_md(e.label)}**")
                    st.markdown(highlight(e.definition, differing_words(e.definition, others), "blue"))
                    term_button(searcher, e, key=f"g{n}-{e.id}", label="Open →")


# ---- Explore ------------------------------------------------------------------------------------
def explore_view(searcher: Searcher, glossaries: list[str]) -> None:
    st.title(":material/hub: Explore the vocabulary")
    entries = [e for e in searcher.entries if not glossaries or e.glossary in glossaries]
    labels = {f"{e.label} · {e.glossary}": e for e in entries}
    current = st.query_params.get("focus")
    names = list(labels)
    index = next((i for i, k in enumerate(names) if labels[k].id == current), 0)
    choice = st.selectbox("Term", names, index=index)
    focus = labels[choice]
    left, right = st.columns([1, 2])
    with left:
        st.subheader("Related concepts")
        for r in searcher.related(focus.id, top_k=10):
            term_button(searcher, r.entry, key=f"x-{r.entry.id}",
                        label=f"{r.entry.label} · {r.entry.glossary} ({r.score:.2f})")
    with right:
        colour = st.radio("Colour by", ["glossary", "concept"], horizontal=True)
        points = searcher.map_points()
        frame = pd.DataFrame({
            "x": points[:, 0], "y": points[:, 1], "id": [e.id for e in searcher.entries],
            "term": [e.label for e in searcher.entries], "glossary": [e.glossary for e in searcher.entries],
            "concept": [searcher.concept_key(e) for e in searcher.entries],
            "definition": [e.definition[:200] for e in searcher.entries],
        })
        frame = frame[frame["id"].isin({e.id for e in entries})]
        frame["focus"] = frame["id"] == focus.id
        pick = alt.selection_point(fields=["id"], name="pick")
        base = alt.Chart(frame).mark_circle(opacity=0.75).encode(
            x=alt.X("x", axis=None), y=alt.Y("y", axis=None),
            color=alt.Color(colour, legend=alt.Legend(orient="bottom") if colour == "glossary" else None),
            size=alt.condition("datum.focus", alt.value(400), alt.value(60)),
            tooltip=["term", "glossary", "definition"],
        ).add_params(pick)
        label = alt.Chart(frame[frame["focus"]]).mark_text(dy=-18, fontWeight="bold").encode(
            x="x", y="y", text="term")
        event = st.altair_chart((base + label).properties(height=520), on_select="rerun", key="map",
                                width="stretch")
        picked = (event or {}).get("selection", {}).get("pick") or []
        if picked and picked[0].get("id") and picked[0]["id"] != focus.id:
            open_term(picked[0]["id"])
            st.rerun()


# ---- Page ---------------------------------------------------------------------------------------
def sidebar(searcher: Searcher) -> tuple[str, list[str], int]:
    with st.sidebar:
        view = st.radio("View", list(VIEWS), format_func=VIEWS.get, key="view",
                        index=list(VIEWS).index(st.query_params.get("view", "ask"))
                        if st.query_params.get("view", "ask") in VIEWS else 0)
        ids = [g.id for g in searcher.corpus.glossaries]
        titles = {g.id: g.title for g in searcher.corpus.glossaries}
        glossaries = st.multiselect("Glossaries", ids, default=ids, format_func=titles.get)
        top_k = st.slider("Results", 1, 20, 5)
        st.caption(f"Model: {searcher.embedder.model_id}")
    if view != st.query_params.get("view", "ask") and "term" not in st.query_params:
        st.query_params["view"] = view
    return view, ([] if set(glossaries) == set(ids) else glossaries), top_k


def main() -> None:
    try:
        searcher = get_searcher()
    except GlossaryError as exc:
        st.error(f"glossary-search cannot start: {exc}")
        st.stop()
    view, glossaries, top_k = sidebar(searcher)
    try:
        if "term" in st.query_params:
            term_view(searcher, st.query_params["term"])
        elif view == "duplicates":
            duplicates_view(searcher, glossaries)
        elif view == "explore":
            explore_view(searcher, glossaries)
        else:
            ask_view(searcher, glossaries, top_k)
    except GlossaryError as exc:  # typed errors become one sentence, never a traceback
        st.error(str(exc))


main()
