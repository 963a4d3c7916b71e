"""glossary-search in the browser: ask, read a term, browse A–Z, review duplicates, explore the vocabulary,
add a glossary.

UI only: every answer comes from glossary_search.Searcher. Text from the URL and from the corpus is shown
through `md` (display.escape_md) or in plain-text widgets, never as Markdown or HTML of its own, and no
asset is fetched from outside the app (the page icon is an emoji). State a user would bookmark lives in
the URL, so Back, Forward and a shared link give the same page.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import string
import time
from collections import Counter

import altair as alt
import pandas as pd
import streamlit as st

from glossary_search.concepts import DEFAULT_THRESHOLDS, review_pairs
from glossary_search.corpus import corpus_fingerprint
from glossary_search.display import (
    STRENGTH_WORDS,
    distinct_definitions,
    entry_caption,
    escape_md as md,
    glossary_colours,
    glossary_name,
    group_hits,
    plural,
    highlight,
    telling_differences,
)
from glossary_search.decisions import VERDICTS
from glossary_search.errors import GlossaryError, ImportFileError, UsageError
from glossary_search.examples import EXAMPLES
from glossary_search.report import basis_note, to_csv, to_markdown
from glossary_search.search import DEFAULT_CORPUS, Searcher
from glossary_search.termbase import (
    IMPORT_LIMIT,
    MAX_IMPORT_MB,
    add_to_corpus,
    check_addable,
    export_bytes,
    parse_columns,
    read_termbase,
)

LOG = logging.getLogger("glossary_search.app")

HIDE_ENTER_HINT = "<style>[data-testid='InputInstructions'] {display: none;}</style>"  # a constant: no text in it
CARD_HITS = 4  # hits fetched per card shown (a concept is defined in up to five glossaries, rarely all near)
VIEWS = {"ask": "Ask", "browse": "Browse A–Z", "duplicates": "Duplicates", "explore": "Explore",
         "add": "Add a glossary"}
STRENGTH_ICON = {"strong": ":green[●●●]", "good": ":orange[●●○]", "weak": ":gray[●○○]"}
SHOW = {"same": "Same concept", "identical": "Identical wording", "related": "Related", "all": "Everything",
        "reviewed": "Reviewed"}
# A group's band in words: a bare 'identical' beside a score under 1.00 read as a contradiction.
BAND_WORDS = {"identical": "identical wording", "same": "same concept", "related": "related"}
SHOW_BANDS = {"same": ["identical", "same"], "identical": ["identical"], "related": ["related"],
              "all": ["identical", "same", "related"]}
THRESHOLD_MIN, THRESHOLD_MAX = 0.30, 0.80  # the same-concept slider's range
PAGE_SIZE = 25  # duplicate groups per page
LETTERS = ["All", *string.ascii_uppercase, "#"]
PREVIEW_ROWS = 10  # first entries of an upload shown before it is added
NBSP = "\u00a0"  # "5 MB" never wraps between the figure and its unit
DOWNLOADS = {"csv": ("CSV", "text/csv"), "xlsx": ("Excel", "application/vnd.openxmlformats-officedocument."
                                                   "spreadsheetml.sheet"), "tbx": ("TBX", "application/x-tbx+xml")}

st.set_page_config(page_title="Glossary Search", page_icon="📖", layout="wide")


def corpus_dir() -> str:
    return os.environ.get("GLOSSARY_SEARCH_CORPUS") or str(DEFAULT_CORPUS)


@st.cache_resource(show_spinner="Loading the glossaries and the index (the first start builds it, ~30 s)…")
def get_engine(_embedder=None) -> tuple[Searcher, str]:
    """The searcher and the fingerprint of the corpus files it was loaded from. `_embedder` (not part of
    the cache key) lets a reload keep the model already in memory."""
    fingerprint = corpus_fingerprint(corpus_dir())
    # The model loads while the first screen is drawn; the first question waits for it.
    return Searcher.open(corpus_dir(), os.environ.get("GLOSSARY_SEARCH_INDEX"), embedder=_embedder,
                         background=True), fingerprint


def reload_engine(searcher: Searcher) -> Searcher:
    """Load the corpus again with the same model: the index re-embeds only texts it has not seen."""
    get_engine.clear()
    return get_engine(searcher.embedder)[0]


# ---- URL state ----------------------------------------------------------------------------------
def url(name: str, default: str = "") -> str:
    return st.query_params.get(name, default)


def go(**params) -> None:
    """Navigate: set (or, with None, drop) URL parameters. Each change is one browser history entry."""
    new = st.query_params.to_dict()
    for name, value in params.items():
        if value is None or value == "":
            new.pop(name, None)
        else:
            new[name] = str(value)
    if new != st.query_params.to_dict():
        st.query_params.from_dict(new)


def bind(key: str, value) -> None:
    """Call before drawing widget `key`: a URL value that changed since we last saw it (Back, Forward, a
    shared link, an example click) wins over what the widget remembers."""
    seen = f"_url:{key}"
    # A widget that was not drawn on the last run (a term page came between) has lost its value too.
    if key not in st.session_state or seen not in st.session_state or st.session_state[seen] != value:
        st.session_state[key] = value
        st.session_state[seen] = value


def commit(key: str, param: str, to_url=str, **also) -> None:
    """Widget callback: write the widget's value to the URL (one history entry)."""
    value = st.session_state[key]
    st.session_state[f"_url:{key}"] = value
    go(**{param: to_url(value)}, **also)


def open_term(entry_id: str, key: str | None = None) -> None:
    if key:  # Back to this page brings the clicked button back into view (keep_place)
        st.session_state["_return"] = {"place": _place(), "key": key}
    go(term=entry_id, glossary=None)


def term_button(entry, key: str, names: dict[str, str], label: str | None = None, suffix: str = "") -> None:
    """A button that opens a term page; its accessible name is the term's own name."""
    text = label or f"{entry.label} · {names.get(entry.glossary, entry.glossary)}"
    st.button(md(text + suffix), key=key, type="tertiary", on_click=open_term, args=(entry.id, key))


def _place() -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(st.query_params.to_dict().items()))


# Runs in the page's own frame (a fixed script, no user text): scroll the main area to the top, or bring the
# element with the class given back into view once it is drawn.
_SCROLL = """<script>
const target = %s, doc = window.parent.document;
let tries = 0;
function place() {
  const main = doc.querySelector('[data-testid="stMain"]');
  const found = target && doc.querySelector('.' + CSS.escape(target));
  if (found) { found.scrollIntoView({block: "center"}); return; }
  if ((!main || target) && tries++ < 30) { setTimeout(place, 100); return; }
  if (main) main.scrollTo(0, 0);
}
place();
</script>"""


def keep_place() -> None:
    """Scroll as a web page does: a new page (a term, the next page of groups, another question) opens at its
    top instead of where the last one was scrolled; Back to a list brings the card you opened back into view."""
    place, last = _place(), st.session_state.get("_place")
    st.session_state["_place"] = place
    if last is None or last == place:
        return
    back = st.session_state.get("_return") or {}
    target = None
    if back.get("place") == place:
        target = "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", back["key"].strip())
    run_script(_SCROLL % json.dumps(target))


def filter_line(searcher: Searcher, glossaries: list[str], names: dict[str, str], verb: str) -> None:
    """The glossary filter in the page itself: a shared link (`g=`) narrows every view, and on a phone the
    sidebar that holds the filter is closed, so the page must say so and offer the way back to all."""
    if not glossaries:
        return
    total = len(searcher.corpus.glossaries)
    chosen = ", ".join(names.get(g, g) for g in glossaries)
    with st.container(horizontal=True, vertical_alignment="center", key="glossary-filter"):
        st.info(f"{verb} {len(glossaries)} of {plural(total, 'glossary', 'glossaries')}: {md(chosen)}.")
        st.button("Use all glossaries", key="filter-clear", on_click=go, kwargs={"g": None, "page": None})


def focus_question_box() -> None:
    """Put the cursor in the question box on load (a fixed script: no URL or corpus text in it)."""
    run_script("<script>const box = window.parent.document.querySelector('input[aria-label=\"Your question\"]');"
               " if (box && !box.value) box.focus();</script>")


def run_script(script: str) -> None:
    """Run one of the app's own fixed scripts (never text from a user, a URL or a glossary) in an invisible
    frame: st.iframe where Streamlit has it (components.v1.html is deprecated there), else the older call."""
    if hasattr(st, "iframe"):
        st.iframe(script, height=1, tab_index=-1)
    else:  # Streamlit before st.iframe
        import streamlit.components.v1 as components

        components.html(script, height=0)


# ---- Ask ----------------------------------------------------------------------------------------
def ask_view(searcher: Searcher, glossaries: list[str], names: dict[str, str]) -> None:
    st.title("Glossary Search")
    st.caption(f"{len(searcher.entries)} contact-center terms from {len(searcher.corpus.glossaries)} glossaries. "
               "Ask in plain English.")
    question = url("q")
    bind("q_box", question)
    # Streamlit writes "Press Enter to submit form" inside the box, over a question that fills it (a phone):
    # Enter still submits, and the Search button beside it says what Enter does.
    st.html(HIDE_ENTER_HINT)
    with st.form("ask", border=False):
        st.text_input("Your question", key="q_box", placeholder="e.g. how do I measure wait time",
                      label_visibility="collapsed")
        st.form_submit_button("Search", type="primary", on_click=_submit_question)
    filter_line(searcher, glossaries, names, "Searching")
    top_k = _results_slider()
    if not question.strip():
        focus_question_box()
        st.write("Try:")
        _examples()
        st.info("Type a question above, or pick an example, to find the matching terms.")
        return
    try:
        with st.spinner("Loading the model (once after a start, about 10 s)…") if not searcher.embedder_ready() \
                else contextlib.nullcontext():
            # Entries of one concept share a card: fetch enough hits that "Results: 5" shows five cards.
            answer = searcher.answer(question, top_k=top_k * CARD_HITS, glossaries=glossaries or None)
        compared = searcher.compare(question)
    except UsageError as exc:
        st.warning(md(str(exc)))
        return
    for notice in answer.notices:
        st.caption(md(notice))
    if compared:
        compare_view(compared, names)
    if not answer.close_match:
        st.warning("No close match for this question. The nearest terms are:")
    apart = lambda a, b: searcher.decisions.apart(a.id, b.id)  # noqa: E731 - reviewed as two concepts
    for n, card in enumerate(group_hits(answer.hits, searcher.card_keys, apart)[:top_k]):
        result_card(card, n, names)
    with st.expander("Try an example"):  # below the results, so they stay on a phone's first screen
        _examples()


def _results_slider() -> int:
    raw = url("k", "5")
    k = int(raw) if raw.isdecimal() and 1 <= int(raw) <= 20 else 5
    bind("k_box", k)
    st.sidebar.slider("Results", 1, 20, key="k_box", on_change=commit, args=("k_box", "k"),
                      kwargs={"to_url": lambda v: None if v == 5 else v})
    return k


def _examples() -> None:
    """One row of buttons as wide as their text, wrapping: equal columns cut the longer questions off."""
    with st.container(horizontal=True, key="examples"):
        for example in EXAMPLES:
            st.button(md(example), key=f"ex-{example}", on_click=go, kwargs={"q": example, "term": None})


def _submit_question() -> None:
    question = st.session_state["q_box"].strip()
    st.session_state["_url:q_box"] = question
    go(q=question or None, term=None)


def compare_view(hits, names: dict[str, str]) -> None:
    st.subheader("Side by side")
    cols = st.columns(len(hits))
    for col, hit in zip(cols, hits):
        with col.container(border=True):
            st.markdown(f"**{md(hit.entry.label)}**")
            others = [h.entry.definition for h in hits if h is not hit]
            st.markdown(highlight(hit.entry.definition, telling_differences(hit.entry.definition, others), "blue"))
            st.caption(entry_caption(hit.entry, names.get(hit.entry.glossary)))
            term_button(hit.entry, key=f"cmp-{hit.entry.id}", names=names, label=f"Open {hit.entry.label} →")


def result_card(card, n: int, names: dict[str, str]) -> None:
    best = card.best
    with st.container(border=True):
        head, badge = st.columns([5, 1])
        head.markdown(f"### {md(card.title)}")
        badge.markdown(f"{STRENGTH_ICON[best.strength]} **{STRENGTH_WORDS[best.strength]}**")
        if best.matched != "definition":
            st.caption(f"Matched on its {best.matched}: “{md(best.matched_text)}”")
        elif best.matched_text:
            st.caption(f"Matched on words in the definition: {md(best.matched_text)}")
        else:
            st.caption("Matched on the meaning of the definition")
        for same in distinct_definitions(card.hits):
            hit, e = same[0], same[0].entry
            words = hit.matched_text.split(", ") if hit.matched == "definition" and hit.matched_text else []
            name = f"**{md(e.label)}**: " if e.label != card.title else ""
            glossaries = dict.fromkeys(names.get(h.entry.glossary, h.entry.glossary) for h in same)
            badges = " ".join(f":violet-badge[{md(g)}]" for g in glossaries)
            st.markdown(f"{badges} {name}" + highlight(e.definition, words))
            if e.see:
                st.caption(f"Cross-reference: see {md(e.see)}")
        term_button(best.entry, key=f"card-{n}", names=names, label=f"Open {card.title} →")


# ---- Term page ----------------------------------------------------------------------------------
BACK_TO = {"ask": "search", "browse": "Browse A–Z", "duplicates": "duplicates", "explore": "Explore",
           "add": "Add a glossary"}


def term_view(searcher: Searcher, entry_id: str, names: dict[str, str]) -> None:
    st.button(f"← Back to {BACK_TO.get(url('view', 'ask'), 'search')}", on_click=go, kwargs={"term": None})
    try:
        entry = searcher.entry(entry_id)
    except KeyError:
        st.warning(f"No term with id “{md(entry_id)}”. It may have been removed from the corpus.")
        return
    st.title(md(entry.label))
    concept = searcher.same_concept(entry)
    for e in concept:
        with st.container(border=True):
            st.markdown(f":violet-badge[{md(names.get(e.glossary, e.glossary))}] **{md(e.label)}**")
            if e.question:
                st.caption(f"Question in the source: {md(e.question)}")
            st.markdown(md(e.definition))
            st.caption(entry_caption(e, names.get(e.glossary)))
            if e.see:
                targets = searcher.corpus.resolve_see(e)
                if targets:
                    st.write(f"See {md(e.see)}:")
                    for t in targets:
                        term_button(t, key=f"see-{e.id}-{t.id}", names=names)
                else:
                    st.caption(f"See “{md(e.see)}”: not defined in any glossary.")
    members = {e.id for e in concept}
    pairs = [p for p in searcher.duplicate_pairs() if entry.id in (p.a.id, p.b.id)]
    others = [(p, p.b if p.a.id == entry.id else p.a) for p in pairs]
    same = [(p, o) for p, o in others if p.band != "related" and o.id not in members]
    close = [(p, o) for p, o in others if p.band == "related"]
    left, mid, right = st.columns(3)
    ids = {e.id for e in searcher.entries}
    apart = [searcher.entry(d.b if d.a == entry.id else d.a) for d in searcher.decisions.involving(entry.id)
             if d.verdict == "different" and {d.a, d.b} <= ids]
    with left:
        st.subheader("Same concept")
        if len(members) > 1:
            count = len({searcher.entry(i).glossary for i in members})
            st.caption(f"Defined in {plural(count, 'glossary', 'glossaries')} above.")
        for p, other in same:
            term_button(other, key=f"dup-{other.id}", names=names, suffix=f" — likely the same ({p.evidence:.2f})")
        if apart:
            st.caption("Reviewed as not the same concept:")
            for other in apart:
                term_button(other, key=f"apart-{other.id}", names=names)
        elif len(members) == 1 and not same:
            st.caption("No other glossary defines it.")
    with mid:
        st.subheader("Related")
        st.caption("Close, but a different concept.")
        for other, glossaries in by_concept(searcher, [o for _, o in close]):
            where = names.get(glossaries[0], glossaries[0]) if len(glossaries) == 1 else f"{len(glossaries)} glossaries"
            term_button(other, key=f"close-{other.id}", names=names, label=f"{other.label} · {where}")
        if not close:
            st.caption("None found.")
    with right:
        st.subheader("Nearest concepts")
        st.caption("Close by meaning, beyond the two lists.")
        shown = members | {o.id for _, o in others} | {o.id for o in apart}  # each entry in one list only
        nearest = [r for r in searcher.related(entry.id, top_k=8 + len(shown)) if r.entry.id not in shown][:8]
        for r in nearest:
            term_button(r.entry, key=f"rel-{r.entry.id}", names=names)
        if not nearest:
            st.caption("None beyond the two lists.")


def by_concept(searcher: Searcher, entries) -> list[tuple]:
    """One (entry, its concept's glossaries in the list) per concept, in order: a concept three glossaries
    define is one line, not three."""
    seen: dict[str, tuple] = {}
    for e in entries:
        key = min((m.id for m in searcher.same_concept(e)), default=e.id)
        if key not in seen:
            seen[key] = (e, [])
        if e.glossary not in seen[key][1]:
            seen[key][1].append(e.glossary)
    return list(seen.values())


# ---- Glossary page ------------------------------------------------------------------------------
def glossary_view(searcher: Searcher, glossary_id: str, names: dict[str, str]) -> None:
    st.button("← Back", on_click=go, kwargs={"glossary": None})
    try:
        g = searcher.corpus.glossary(glossary_id)
    except KeyError:
        st.warning(f"No glossary with id “{md(glossary_id)}”.")
        return
    st.title(md(g.title))
    st.caption(md(" · ".join(bit for bit in (f"{len(g.entries)} terms", f"source file: {g.source}"
                                             if g.source else "", g.description or "") if bit)))
    downloads(g.title, g.entries, g.id, key="gl")
    term_list(sorted(g.entries, key=lambda e: e.term.casefold()), names, key="gl")


def downloads(title: str, entries, stem: str, key: str) -> None:
    """CSV, Excel and TBX of these entries, as `glossary-search export` writes them."""
    with st.container(horizontal=True):
        for fmt, (label, mime) in DOWNLOADS.items():
            st.download_button(f"⬇ {label}", export_bytes(fmt, title, entries), f"{stem}.{fmt}", mime,
                               key=f"dl-{key}-{fmt}", on_click="ignore")


# ---- Add a glossary -----------------------------------------------------------------------------
def add_view(searcher: Searcher) -> None:
    st.title("Add a glossary")
    st.caption("Upload your team's glossary: CSV or TSV with a header row naming the term and definition columns "
               "(acronym, aliases and see are optional), Excel .xlsx (first sheet), TBX, a text page of term "
               "lines each followed by its definition line, or YAML in this corpus's schema. You see what it "
               f"holds before anything is written. Up to {IMPORT_LIMIT.replace(' ', NBSP)}.")
    added = st.session_state.pop("added", None)
    if added:
        st.success(md(f"Added {plural(added['count'], 'entry', 'entries')} as the glossary “{added['title']}” ({added['id']}). "
                      "Search now finds them."))
        index_update(added)
        with st.container(horizontal=True):
            st.button(md(f"Open {added['title']} →"), key="added-open", type="primary", on_click=go,
                      kwargs={"glossary": added["id"]})
            st.button("Ask a question →", key="added-ask", on_click=go, kwargs={"view": None})
    nonce = st.session_state.setdefault("upload_nonce", 0)  # a new key empties the uploader after an add
    # No `type=`: the uploader would refuse another extension with only a red mark; the importer's error says
    # which formats it reads.
    upload = st.file_uploader("Glossary file (CSV, TSV, Excel .xlsx, TBX, text or YAML)",
                              key=f"upload-{nonce}", max_upload_size=MAX_IMPORT_MB,
                              help=f"One glossary file of up to {IMPORT_LIMIT.replace(' ', NBSP)}; a larger one "
                                   "is refused unread.")
    left, right = st.columns(2)
    glossary_id = left.text_input("Id (optional)", key=f"add_id-{nonce}", placeholder="from the file name",
                                  help="Letters, digits, '-', '_' or '.'; names the file corpus/ID.yaml.").strip()
    title = right.text_input("Title (optional)", key=f"add_title-{nonce}", placeholder="from the file").strip()
    with st.expander("Options: columns, Excel sheet, TBX language, encoding"):
        a, b, c, d = st.columns([3, 2, 1, 1])
        columns = a.text_input("Columns", key=f"add_columns-{nonce}", placeholder="found by their header names",
                               help="Which columns hold what, by header name or number, as `--columns` in the "
                                    "command line: term=Name,definition=Meaning,acronym=3 (roles: term, "
                                    "definition, acronym, aliases, see).")
        sheet = b.text_input("Excel sheet", key=f"add_sheet-{nonce}", placeholder="the first")
        lang = c.text_input("TBX language", key=f"add_lang-{nonce}", value="en")
        encoding = d.text_input("Encoding", key=f"add_encoding-{nonce}", placeholder="UTF-8",
                                help="Of a CSV, TSV or text file saved in another encoding, e.g. cp1252.")
    if upload is None:
        st.divider()
        st.subheader("Download the corpus")
        st.caption(f"Every glossary ({len(searcher.entries)} entries), one row or term entry each; "
                   "a glossary's own page offers just that glossary.")
        downloads("Glossaries: " + ", ".join(g.title for g in searcher.corpus.glossaries), searcher.entries,
                  "glossaries", key="all")
        return
    data = upload.getvalue()
    try:
        preview = read_termbase(data, upload.name, glossary_id=glossary_id or None, title=title or None,
                                columns=parse_columns(columns), sheet=sheet.strip() or None,
                                lang=lang.strip() or "en", encoding=encoding.strip() or None)
        check_addable(preview, searcher.corpus.root)
    except (ImportFileError, UsageError) as exc:
        st.error(md(str(exc)))
        return
    import_preview(preview)
    if st.button(md(f"Add {plural(len(preview.entries), 'entry', 'entries')} to the corpus"), key="add_go",
                 type="primary"):
        try:
            path = add_to_corpus(preview, data, searcher.corpus.root)
        except ImportFileError as exc:
            st.error(md(str(exc)))
            return
        LOG.info("Added %s from the upload %s", path, preview.filename)
        started = time.perf_counter()
        with st.spinner(f"Embedding {plural(len(preview.entries), 'new entry', 'new entries')} and updating the index…"):
            fresh = reload_engine(searcher)
        update = fresh.index_update
        st.session_state["added"] = {
            "id": preview.glossary_id, "title": preview.title, "count": len(preview.entries),
            "update": update, "seconds": time.perf_counter() - started,
            "notices": [n for n in fresh.notices if not update or n not in update.notes]}
        st.session_state["upload_nonce"] = nonce + 1
        st.rerun()


def index_update(added: dict) -> None:
    """What adding cost, as a user counts it: entries embedded (the new ones only), vectors reused, time taken.
    Other notices (an index that cannot be written, a damaged cache) are shown as they are."""
    update = added["update"]
    with st.expander("Index update"):
        with st.container(horizontal=True, gap="medium"):
            if update is not None:
                st.metric("Entries embedded", update.entries_embedded, width="content")
                st.metric("Entries reused", update.entries_reused, width="content",
                          help="Entries embedded before (the other glossaries): their vectors come from the cache.")
            st.metric("Time taken", f"{added['seconds']:.1f} s", width="content")
        for notice in added["notices"]:
            st.caption(md(notice))


def import_preview(preview) -> None:
    """What an upload holds, nothing written yet: counts, the rows left out and why, the first entries."""
    st.subheader(md(f"Preview: {preview.title} ({preview.glossary_id})"))
    with st.container(horizontal=True, gap="medium"):  # side by side on a phone too
        for label, count in (("Entries read", len(preview.entries)), ("Rows skipped", len(preview.skipped)),
                             ("Acronyms split", len(preview.split_acronyms))):
            st.metric(label, count, width="content")
    if preview.headerless:
        st.warning(md(preview.headerless_notice))
    if preview.skipped:
        st.markdown("**Skipped**")
        st.table(pd.DataFrame({"Where": [md(s.where) for s in preview.skipped],
                               "Why": [md(s.reason) for s in preview.skipped]}), hide_index=True)
    if preview.split_acronyms:
        st.caption("Acronym split from the name: " + "; ".join(md(n) for n in preview.split_acronyms))
    if preview.ignored_columns:
        st.caption(f"{'Fields' if preview.format == 'yaml' else 'Columns'} not read: "
                   + ", ".join(md(c) for c in preview.ignored_columns))
    rows = preview.entries[:PREVIEW_ROWS]
    st.markdown(f"**First {len(rows)} of {len(preview.entries)} entries**" if len(preview.entries) > len(rows)
                else f"**All {len(rows)} entries**" if len(rows) > 1 else "**The one entry**")
    st.table(pd.DataFrame({
        "Term": [md(e["term"]) for e in rows],
        "Acronym": [md(e.get("acronym", "")) for e in rows],
        "Aliases": [md("; ".join(e.get("aliases", []))) for e in rows],
        "Definition": [md(shorten(e["definition"])) for e in rows],
    }), hide_index=True)


def shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


# ---- Browse A–Z ---------------------------------------------------------------------------------
def browse_view(searcher: Searcher, glossaries: list[str], names: dict[str, str]) -> None:
    st.title("Browse A–Z")
    filter_line(searcher, glossaries, names, "Showing")
    letter = url("letter", "All")
    bind("letter_box", letter if letter in LETTERS else "All")
    st.segmented_control("Letter", LETTERS, key="letter_box", on_change=commit, args=("letter_box", "letter"),
                         kwargs={"to_url": lambda v: None if v in (None, "All") else v})
    bind("filter_box", url("filter"))
    # Typing searches every letter: 'rate' under Q found nothing, and said nothing.
    st.text_input("Filter", key="filter_box", placeholder="Type part of a name", on_change=commit,
                  args=("filter_box", "filter"), kwargs={"letter": None})
    words = url("filter").casefold().split()
    entries = [e for e in searcher.entries if (not glossaries or e.glossary in glossaries)
               and _initial(e.term) == (letter if letter in LETTERS[1:] else _initial(e.term))
               and all(w in " ".join(e.names).casefold() for w in words)]
    entries.sort(key=lambda e: (e.term.casefold(), e.glossary))
    st.caption(plural(len(entries), "term") + (" (filtered)" if words or letter in LETTERS[1:] else ""))
    term_list(entries, names, key="az")


def _initial(term: str) -> str:
    first = term[:1].upper()
    return first if first in string.ascii_uppercase else "#"


def term_list(entries, names: dict[str, str], key: str) -> None:
    current = None
    for e in entries:
        if _initial(e.term) != current:
            current = _initial(e.term)
            st.subheader(md(current))
        term_button(e, key=f"{key}-{e.id}", names=names)


# ---- Duplicates ---------------------------------------------------------------------------------
def duplicates_view(searcher: Searcher, glossaries: list[str], names: dict[str, str]) -> None:
    st.title("Near-duplicate terms")
    st.caption("The same concept defined twice, within one glossary or across several.")
    filter_line(searcher, glossaries, names, "Showing groups with an entry in")
    c1, c2 = st.columns([1, 2])
    threshold = _threshold()
    c1.slider("Same-concept threshold (score)", THRESHOLD_MIN, THRESHOLD_MAX, step=0.01, key="threshold",
              on_change=commit, args=("threshold", "threshold"),
              kwargs={"to_url": lambda v: None if round(v, 2) == DEFAULT_THRESHOLDS.same else f"{v:.2f}",
                      "page": None},
              help="How sure we are that two entries define one concept: the mean of definition similarity, "
                   "name similarity and shared words. Entries named alike (same term, alias, acronym "
                   "or a 'See' reference) are one concept whatever the threshold; nested names of different "
                   "kinds of thing ('Queue', 'Queue Time') are at most related. Lower calls more pairs the "
                   "same concept (and merges their groups, so a list can get shorter); "
                   f"{DEFAULT_THRESHOLDS.same} was calibrated on a labeled set.")
    show = url("show", "same")
    bind("show_box", show if show in SHOW else "same")
    c2.radio("Show", list(SHOW), format_func=SHOW.get, key="show_box", horizontal=True, on_change=commit,
             args=("show_box", "show"), kwargs={"to_url": lambda v: None if v == "same" else v, "page": None})
    if "review_error" in st.session_state:
        st.error(md(st.session_state.pop("review_error")))
    done = st.session_state.get("last_review")
    if st.session_state["show_box"] == "reviewed":
        review_done(searcher)
        reviewed_list(searcher, glossaries, names)
        return
    bands = SHOW_BANDS[st.session_state["show_box"]]
    groups = searcher.duplicates(threshold=threshold, bands=bands, glossaries=glossaries or None)
    page, pages, first, last = _page_of(len(groups))
    d1, d2, d3 = st.columns([1, 1, 3])
    shown = (f"{SHOW[st.session_state['show_box']]}, same-concept threshold {threshold:.2f}"
             + (f", glossaries: {', '.join(names.get(g, g) for g in glossaries)}" if glossaries else "")
             + f"; {time.strftime('%Y-%m-%d')}")
    # A byte-order mark: Excel reads a CSV without one as ANSI and garbles "customer’s".
    d1.download_button("⬇ CSV", "\ufeff" + to_csv(groups), "duplicates.csv", "text/csv")
    d2.download_button("⬇ Markdown", to_markdown(groups, shown), "duplicates.md", "text/markdown")
    related = sum(g.band == "related" for g in groups)  # a related "group" is one pair of entries
    counted = " and ".join(plural(n, word) for n, word in ((len(groups) - related, "group"),
                                                           (related, "related pair")) if n) or "0 groups"
    d3.caption(f"{counted}; showing {first + 1 if groups else 0}–{last}. Groups *named alike* "
               "share a term, alias, acronym or 'See' reference; groups *by meaning* are suggestions from the "
               "definitions alone: review them.")
    # The confirmation goes where the decided group was, in view of the button just pressed.
    slot = done["slot"] if done and first <= done["slot"] <= last else first
    if slot == first:
        review_done(searcher)
    _pager(page, pages, "top")
    for n, g in enumerate(groups[first:last], start=first):
        if n == slot and n != first:
            review_done(searcher)
        with st.container(border=True, key=f"group-{n}"):
            why = basis_note(g)
            st.markdown(f"**{md(g.canonical)}** · `{BAND_WORDS[g.band]}` · score {g.score:.2f}"
                        + (f" · {md(why)}" if why else ""))
            cols = st.columns(len(g.entries))
            twins = Counter((e.glossary, e.label) for e in g.entries)  # one glossary, one name, twice
            for col, e in zip(cols, g.entries):
                others = [o.definition for o in g.entries if o.id != e.id]
                glossary = names.get(e.glossary, e.glossary)
                which = f"entry {e.position} of {glossary}" if twins[e.glossary, e.label] > 1 else glossary
                with col:
                    st.markdown(f":violet-badge[{md(which)}] **{md(e.label)}**")
                    st.markdown(highlight(e.definition, telling_differences(e.definition, others), "blue"))
                    # Short enough for a column: the term is the line above, the button names the glossary.
                    term_button(e, key=f"g{n}-{e.id}", names=names, label=f"Open {'' if which != glossary else 'in '}"
                                f"{which} →")
            review_controls(searcher, g, n)
    if slot == last and last != first:
        review_done(searcher)
    _pager(page, pages, "bottom")


def _threshold() -> float:
    """The same-concept threshold from the URL (`threshold`); a value off the slider falls back to the
    default, saying so, so a shared link never shows other groups than it claims."""
    raw = url("threshold")
    value = DEFAULT_THRESHOLDS.same
    if raw:
        try:
            parsed = round(float(raw), 2)
        except ValueError:
            parsed = None
        if parsed is not None and THRESHOLD_MIN <= parsed <= THRESHOLD_MAX:
            value = parsed
        else:
            st.warning(md(f"The link's threshold “{shorten(raw, 40)}” is not a number from {THRESHOLD_MIN:.2f} "
                          f"to {THRESHOLD_MAX:.2f}; showing the default, {DEFAULT_THRESHOLDS.same:.2f}."))
    bind("threshold", value)
    return value


def _page_of(count: int) -> tuple[int, int, int, int]:
    """The page asked for in the URL, the number of pages, and the slice of rows it shows."""
    pages = max(1, -(-count // PAGE_SIZE))
    raw = url("page", "1")
    page = min(int(raw), pages) if raw.isdecimal() and int(raw) >= 1 else 1
    return page, pages, (page - 1) * PAGE_SIZE, min(page * PAGE_SIZE, count)


def review_controls(searcher: Searcher, group, n: int) -> None:
    """Save a verdict on every pair of the group (decisions.yaml), or undo it."""
    pairs = review_pairs(group)
    decided = [searcher.decisions.get(a, b) for a, b in pairs]
    if any(decided):
        verdicts = sorted({VERDICTS[d.verdict] for d in decided if d})
        left, right = st.columns([3, 1])
        left.caption(f"Reviewed: {', '.join(verdicts)}.")
        right.button("Undo", key=f"undo-{n}", on_click=_review, args=(searcher, group, None, n))
        return
    st.caption("Your review:")
    cols = st.columns(3)
    for col, (verdict, label) in zip(cols, (("same", "Same concept"), ("different", "Not the same"),
                                            ("related", "Related"))):
        col.button(label, key=f"{verdict}-{n}", on_click=_review, args=(searcher, group, verdict, n),
                   help=f"Save '{VERDICTS[verdict]}' for this group in decisions.yaml (Undo brings it back).")


def review_done(searcher: Searcher) -> None:
    """The last decision, named, with its Undo: a group reviewed as not the same leaves the list, so the
    reader must see where it went and be able to take it back."""
    done = st.session_state.get("last_review")
    if not done:
        return
    where = (" It is listed under Show: Reviewed." if done["verdict"] == "different"
             else " Show: Reviewed lists every decision.")
    if not done.get("told"):  # the page may be scrolled away from the line below: say it once where it shows
        done["told"] = True
        st.toast(md(f"Saved “{done['title']}” as {VERDICTS[done['verdict']]}; Undo is where the group was."))
    with st.container(horizontal=True, vertical_alignment="center", key="review-done"):
        st.success(md(f"Saved “{done['title']}” as {VERDICTS[done['verdict']]}.") + md(where))
        st.button("Undo", key="undo-last", on_click=_undo_last, args=(searcher,))


def _undo_last(searcher: Searcher) -> None:
    done = st.session_state.pop("last_review", None)
    if done is None:
        return
    decisions = searcher.decisions
    for (a, b), before in done["before"].items():
        if before is not None:
            decisions = decisions.decide(before.a, before.b, before.verdict, preferred=before.preferred,
                                         by=before.by, terms=before.terms, at=before.at)
        elif decisions.get(a, b):
            decisions = decisions.undo(a, b)
    _save(searcher, decisions)


def reviewed_list(searcher: Searcher, glossaries: list[str], names: dict[str, str]) -> None:
    """Every saved decision, newest first, each with its Undo: the one place a 'not the same' stays reachable."""
    def glossary_of(entry_id: str) -> str:
        return entry_id.rsplit("#", 1)[0]

    items = sorted((d for d in searcher.decisions if not glossaries
                    or glossary_of(d.a) in glossaries or glossary_of(d.b) in glossaries),
                   key=lambda d: (d.at or "", d.a, d.b), reverse=True)
    if not items:
        st.info("No review decisions yet: Same concept, Not the same and Related on a group save one.")
        return
    page, pages, first, last = _page_of(len(items))
    st.caption(f"{plural(len(items), 'decision')} on pairs of entries, newest first; showing {first + 1}–{last}. "
               "They live in decisions.yaml beside the glossaries.")
    _pager(page, pages, "top")
    known = {e.id for e in searcher.entries}
    for n, d in enumerate(items[first:last], start=first):
        sides = []
        for k, entry_id in enumerate((d.a, d.b)):
            glossary = names.get(glossary_of(entry_id), glossary_of(entry_id))
            if entry_id in known:
                sides.append(f"**{md(searcher.entry(entry_id).label)}** · {md(glossary)}")
            else:
                term = d.terms[k] if len(d.terms) > k else entry_id
                sides.append(f"**{md(term)}** · {md(glossary)} (no longer in the corpus)")
        with st.container(border=True, key=f"reviewed-{n}"):
            text, action = st.columns([5, 1])
            text.markdown(" / ".join(sides) + f" — reviewed: {VERDICTS[d.verdict]}")
            action.button("Undo", key=f"undo-pair-{n}", on_click=_undo_pair, args=(searcher, d.a, d.b))
    _pager(page, pages, "bottom")


def _undo_pair(searcher: Searcher, a: str, b: str) -> None:
    if searcher.decisions.get(a, b):
        st.session_state.pop("last_review", None)
        _save(searcher, searcher.decisions.undo(a, b))


def _review(searcher: Searcher, group, verdict: str | None, slot: int) -> None:
    decisions = searcher.decisions
    pairs = review_pairs(group)
    before = {(a, b): decisions.get(a, b) for a, b in pairs}
    for a, b in pairs:
        if verdict is None:
            if decisions.get(a, b):
                decisions = decisions.undo(a, b)
        else:
            decisions = decisions.decide(a, b, verdict, terms=(searcher.entry(a).label, searcher.entry(b).label))
    if _save(searcher, decisions):
        st.session_state["last_review"] = ({"title": group.canonical, "verdict": verdict, "before": before,
                                            "slot": slot} if verdict else None)


def _save(searcher: Searcher, decisions) -> bool:
    """Write decisions.yaml and search with it from now on; False (and an error shown) when it cannot."""
    try:
        decisions.save(searcher.corpus.root)
    except OSError as exc:
        st.session_state["review_error"] = f"Could not save the review in {searcher.corpus.root}: {exc.strerror}."
        return False
    searcher.review(decisions)
    return True


def _pager(page: int, pages: int, where: str) -> None:
    if pages == 1:
        return
    prev, label, nxt = st.columns([1, 2, 1])
    prev.button("← Previous", key=f"prev-{where}", disabled=page == 1, on_click=go, kwargs={"page": page - 1})
    label.caption(f"Page {page} of {pages}")
    nxt.button("Next →", key=f"next-{where}", disabled=page == pages, on_click=go, kwargs={"page": page + 1})


# ---- Explore ------------------------------------------------------------------------------------
def explore_view(searcher: Searcher, glossaries: list[str], names: dict[str, str]) -> None:
    st.title("Explore the vocabulary")
    filter_line(searcher, glossaries, names, "Showing")
    entries = [e for e in searcher.entries if not glossaries or e.glossary in glossaries]
    choices = sorted((e for e in entries if not e.see), key=lambda e: (e.label.casefold(), e.glossary))
    if not choices:
        st.info("The chosen glossaries hold only cross-references.")
        return
    by_id = {e.id: e for e in choices}
    focus_id, asked = url("focus"), None
    if focus_id not in by_id:
        with contextlib.suppress(KeyError):  # a shared link may name an entry no longer in the corpus
            asked = searcher.entry(focus_id)
        unknown, focus_id = focus_id, _default_focus(searcher, choices).id
        if asked:  # say so: the term changed under the reader's eyes when the filter did
            st.info(md(f"{asked.label} ({names.get(asked.glossary, asked.glossary)}) is not in the chosen "
                       f"glossaries: showing {by_id[focus_id].label}."))
        elif unknown:
            st.info(md(f"The link's term “{shorten(unknown, 40)}” is not in the glossaries: showing "
                       f"{by_id[focus_id].label}."))
    bind("focus_box", focus_id)
    st.selectbox("Term", list(by_id), key="focus_box", on_change=commit, args=("focus_box", "focus"),
                 format_func=lambda i: f"{by_id[i].label} · {names.get(by_id[i].glossary, by_id[i].glossary)}")
    focus = by_id[focus_id]
    related = searcher.related(focus.id, top_k=8, glossaries=glossaries or None)
    term_button(focus, key="open-focus", names=names, label=f"Open {focus.label} →")
    left, right = st.columns([2, 3])
    with left:
        st.subheader("Related concepts")
        st.altair_chart(_graph(focus, related), key="graph", on_select=_picked("graph", "node"),
                        width="stretch")
        st.caption("Closer and thicker: more alike. Click a term to explore from it.")
        for r in related:  # the same as buttons, for the keyboard and screen readers
            st.button(md(f"{r.entry.label} · {names.get(r.entry.glossary, r.entry.glossary)} ({r.score:.2f})"),
                      key=f"x-{r.entry.id}", type="tertiary", on_click=_refocus, args=(r.entry.id,))
    with right:
        st.subheader("Map")
        st.altair_chart(_map(searcher, entries, focus, related, names), key="map", on_select=_picked("map", "pick"),
                        width="stretch")
        st.caption("Terms that mean alike sit together (t-SNE of the meaning vectors). Click a point to explore it.")


def _refocus(entry_id: str) -> None:
    st.session_state["_url:focus_box"] = None  # the URL wins on the next run
    go(focus=entry_id)


def _default_focus(searcher: Searcher, choices):
    """A real term (never a 'See ...' entry) that several glossaries define under its name: a telling place
    to start. Counted by name first, since a group found by meaning can span glossaries that name it apart
    (Brand Loyalty sits in Customer Loyalty's group, yet one glossary defines it)."""
    def spread(e):
        by_name = len({m.glossary for m in searcher.corpus.find_by_name(e.term)})
        group = searcher.concept_of(e)
        return by_name, len({m.glossary for m in group.entries}) if group and group.band != "related" else 1
    return max(choices, key=spread)


def _picked(key: str, selection: str):
    def callback() -> None:
        points = (st.session_state.get(key) or {}).get("selection", {}).get(selection) or []
        if points and points[0].get("id"):
            _refocus(points[0]["id"])
    return callback


SVG = {"embedOptions": {"renderer": "svg"}}  # text stays text in the page: readable by tests and screen readers


def _graph(focus, related) -> alt.LayerChart:
    """The focused term and its related concepts as a star: distance and edge width show how alike."""
    import math

    rows = [{"id": focus.id, "term": focus.label, "x": 0.0, "y": 0.0, "score": 1.0, "focus": True}]
    for n, r in enumerate(related):
        angle, radius = 2 * math.pi * n / max(1, len(related)), 1.6 - r.score
        rows.append({"id": r.entry.id, "term": r.entry.label, "x": radius * math.cos(angle),
                     "y": radius * math.sin(angle), "score": r.score, "focus": False})
    nodes = pd.DataFrame(rows)
    edges = pd.DataFrame([{"x": 0.0, "y": 0.0, "x2": row["x"], "y2": row["y"], "score": row["score"]}
                          for row in rows[1:]])
    scale = alt.Scale(domain=[-1.6, 1.6])
    pick = alt.selection_point(fields=["id"], name="node", on="click")
    lines = alt.Chart(edges).mark_rule(color="#999").encode(
        x=alt.X("x", axis=None, scale=scale), y=alt.Y("y", axis=None, scale=scale), x2="x2", y2="y2",
        strokeWidth=alt.StrokeWidth("score", scale=alt.Scale(range=[1, 6]), legend=None))
    dots = alt.Chart(nodes).mark_circle(opacity=0.9).encode(
        x="x", y="y", size=alt.condition("datum.focus", alt.value(500), alt.value(220)),
        color=alt.condition("datum.focus", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=["term", alt.Tooltip("score", format=".2f", title="alike")]).add_params(pick)
    words = alt.Chart(nodes[~nodes["focus"]]).mark_text(dy=-16, fontSize=11, limit=110).encode(
        x="x", y="y", text="term")
    # The focus's name goes below its dot: above it, it met the labels of the neighbours level with it.
    # Neighbours' names are cut at 110 px (the tooltip has them whole): two at 45° apart no longer meet.
    focus_word = alt.Chart(nodes[nodes["focus"]]).mark_text(dy=28, fontSize=12, fontWeight="bold").encode(
        x="x", y="y", text="term")
    return (lines + dots + words + focus_word).properties(height=360, usermeta=SVG)


def _map(searcher: Searcher, entries, focus, related, names: dict[str, str]) -> alt.LayerChart:
    points = searcher.map_points()
    keep = {e.id for e in entries}
    near = {r.entry.id for r in related[:5]}  # more labels than this overlap in a dense neighbourhood
    frame = pd.DataFrame({
        "x": points[:, 0], "y": points[:, 1], "id": [e.id for e in searcher.entries],
        "term": [e.label for e in searcher.entries],
        "glossary": [names.get(e.glossary, e.glossary) for e in searcher.entries],
        "definition": [e.definition[:160] for e in searcher.entries],
    })
    frame = frame[frame["id"].isin(keep)].copy()
    frame["focus"] = frame["id"] == focus.id
    mid = (frame["x"].min() + frame["x"].max()) / 2
    labelled = frame[frame["id"].isin(near | {focus.id})].copy()
    labelled["align"] = ["right" if x > mid else "left" for x in labelled["x"]]
    domain, colours = glossary_colours([names.get(g.id, g.id) for g in searcher.corpus.glossaries], frame["glossary"])
    pick = alt.selection_point(fields=["id"], name="pick", on="click")
    base = alt.Chart(frame).mark_circle(opacity=0.7).encode(
        x=alt.X("x", axis=None), y=alt.Y("y", axis=None),
        color=alt.Color("glossary", scale=alt.Scale(domain=domain, range=colours),
                        legend=alt.Legend(orient="bottom", direction="vertical", title="Glossary", labelLimit=0)),
        size=alt.condition("datum.focus", alt.value(400), alt.value(50)),
        tooltip=["term", "glossary", "definition"],
    ).add_params(pick)
    texts = []
    for align, dx in (("left", 8), ("right", -8)):  # labels point inwards, so none runs off the edge
        for bold in (False, True):
            part = labelled[(labelled["align"] == align) & (labelled["focus"] == bold)]
            texts.append(alt.Chart(part).mark_text(align=align, dx=dx, fontSize=12 if bold else 11,
                                                   fontWeight="bold" if bold else "normal").encode(
                x="x", y="y", text="term"))
    return alt.layer(base, *texts).properties(height=560, usermeta=SVG)


# ---- Page ---------------------------------------------------------------------------------------
def navigation(searcher: Searcher, names: dict[str, str]) -> tuple[str, list[str]]:
    """The view (on the page) and the glossary filter (in the sidebar), both from the URL."""
    view = url("view", "ask")
    view = view if view in VIEWS else "ask"
    ids = [g.id for g in searcher.corpus.glossaries]
    chosen = [g for g in url("g").split(",") if g in ids] or ids
    # The views are on the page, not in the sidebar: on a phone the sidebar covers the page until closed.
    # A term or glossary page is none of them: no view is lit, so a click on any (the last one too) leaves it.
    page = "term" in st.query_params or "glossary" in st.query_params
    bind("view_box", None if page else view)
    st.segmented_control("View", list(VIEWS), format_func=VIEWS.get, key="view_box", on_change=commit,
                         required=not page, label_visibility="collapsed", args=("view_box", "view"),
                         kwargs={"to_url": lambda v: None if v == "ask" else v, "term": None, "glossary": None,
                                 "page": None})
    with st.sidebar:
        # An empty box means every glossary: five tags would overflow the box on every first visit.
        bind("g_box", [] if set(chosen) == set(ids) else chosen)
        st.multiselect("Glossaries", ids, key="g_box", format_func=names.get, on_change=commit,
                       placeholder="All glossaries", args=("g_box", "g"),
                       kwargs={"to_url": lambda v: None if not v or set(v) == set(ids) else ",".join(v),
                               "page": None})
    return view, ([] if set(chosen) == set(ids) else chosen)


def about(searcher: Searcher, names: dict[str, str]) -> None:
    with st.sidebar.expander("About"):
        st.caption(f"Answers come from {len(searcher.entries)} definitions in these glossaries, "
                   "matched by meaning and by name:")
        for g in searcher.corpus.glossaries:
            st.button(md(f"{names[g.id]}: {g.title} ({len(g.entries)})"), key=f"about-{g.id}", type="tertiary",
                      on_click=go, kwargs={"glossary": g.id, "term": None})
        st.caption("Some sources list definitions without names; there we named the term ourselves, "
                   "and the term's page says so.")
        st.caption(md(f"Meaning model: {searcher.embedder.model_id}"))


def corpus_changed(searcher: Searcher, fingerprint: str) -> None:
    if corpus_fingerprint(corpus_dir()) != fingerprint:
        st.info("The glossaries changed on disk since this page loaded them.")
        if st.button("Reload the glossaries", type="primary"):
            with st.spinner("Reloading the glossaries and updating the index…"):
                reload_engine(searcher)
            st.rerun()


def main() -> None:
    try:
        searcher, fingerprint = get_engine()
    except GlossaryError as exc:
        st.error(f"glossary-search cannot start: {md(str(exc))}")
        st.stop()
    except Exception:
        LOG.exception("Unexpected error while starting")
        st.error("glossary-search cannot start because of an unexpected error; the details are in the server's log.")
        st.stop()
    names = {g.id: glossary_name(g) for g in searcher.corpus.glossaries}
    view, glossaries = navigation(searcher, names)
    about(searcher, names)
    corpus_changed(searcher, fingerprint)
    try:
        if "term" in st.query_params:
            term_view(searcher, url("term"), names)
        elif "glossary" in st.query_params:
            glossary_view(searcher, url("glossary"), names)
        elif view == "browse":
            browse_view(searcher, glossaries, names)
        elif view == "duplicates":
            duplicates_view(searcher, glossaries, names)
        elif view == "explore":
            explore_view(searcher, glossaries, names)
        elif view == "add":
            add_view(searcher)
        else:
            ask_view(searcher, glossaries, names)
    except GlossaryError as exc:  # typed errors become one sentence, never a traceback
        st.error(md(str(exc)))
    except Exception:  # a bug: one sentence for the reader, the traceback for the server's log
        LOG.exception("Unexpected error while drawing the page")
        st.error("Something went wrong while drawing this page; the details are in the server's log. "
                 "Try again, or go back to the search.")
    keep_place()


main()
