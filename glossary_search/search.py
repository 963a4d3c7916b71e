"""Searcher: the product's API. Fuses dense similarity, BM25 keywords and term-name matching."""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np

from . import models, store
from .concepts import (
    BANDS,
    CANDIDATES_PER_ENTRY,
    DEFAULT_THRESHOLDS,
    EntryViews,
    PairScorer,
    Thresholds,
    concept_groups,
    concept_of,
    mining_vectors,
    named_alike,
    neighbour_pairs,
    project_2d,
    reference_links,
    related_entries,
)
from .corpus import Corpus, normalize_name
from .decisions import Decisions
from .embedder import encode_questions
from .errors import IndexFileError, UnknownTermError, UsageError, brief
from .fusion import RRF_K, ranks, reciprocal_rank_fusion, weighted_scores
from .index import FaissIndex, faiss_version
from .keyword import shared_words, stem_words
from .names import core_phrases
from .prepared import Prepared, open_prepared, prepare, texts_key
from .spelling import Speller
from .texts import DEFAULT_SCHEME, corpus_rows, rows_of_kind
from .types import ConceptGroup, DuplicatePair, Entry, Hit, IndexUpdate, Related

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT / "corpus"
DEFAULT_INDEX = REPO_ROOT / "index"
MAX_QUESTION_CHARS = 1000  # about the model's 256-token window; more would be cut by the model anyway
NAME_FLOOR = 0.55
# Rows of the vector index read per question: all of them for a glossary-sized corpus, a bounded
# neighbourhood for a large one (entries beyond it score 0 on the dense signal).
DENSE_DEPTH = 1000
# Above this many entries the concept groups (duplicates) are computed in the background on first need,
# so a question never waits for them (about 1 s per 1,000 entries); below, at once.
CONCEPTS_INLINE_MAX = 5_000

DEFAULT_FUSION = "score"


@dataclass(frozen=True)
class Calibration:
    """Where the strength labels change, for one model (chosen on the tune split: evaluate.py --calibrate).

    close: a question is answerable when its best dense cosine reaches this or it names a term outright;
    below it every hit is 'weak' ("No close match"). strong / good: the fused score a hit needs.
    """

    close: float
    strong: float
    good: float


@dataclass(frozen=True)
class Feedback:
    """Pseudo-relevance feedback (Rocchio): the question's vector is moved `weight` of the way toward the mean
    of its `k` nearest entries and searched again, so a question that describes a concept in other words
    lands nearer what its neighbours share than any one generic entry (tune: +2.5 points hit@1)."""

    k: int
    weight: float


@dataclass(frozen=True)
class ModelSettings:
    """What is chosen per model on the tune split of eval/: fusion weights, feedback and strength cut-offs."""

    weights: dict[str, float]
    calibration: Calibration
    feedback: Feedback | None = None


# Weights and feedback: scripts/evaluate.py --model M --sweep (feedback helps all-mpnet-base-v2 on tune and
# hurts all-MiniLM-L6-v2, which has none). Calibration: --calibrate; 'close' is the highest cut-off
# that leaves at most 5% of answerable tune questions with "No close match", 'strong' the lowest fused
# score (0.04 steps) at or above which every tune first result is right (a 97% rule let wrong answers through
# on small blind splits). A model not listed borrows the default's (its labels are then less sure).
MODEL_SETTINGS = {
    "sentence-transformers/all-mpnet-base-v2": ModelSettings(
        {"dense": 1.0, "keyword": 0.2, "names": 0.25}, Calibration(close=0.42, strong=0.88, good=0.40),
        Feedback(k=3, weight=0.6)),
    models.QUESTION_MODEL_ID: ModelSettings(
        {"dense": 1.0, "keyword": 0.1, "names": 0.25}, Calibration(close=0.38, strong=0.76, good=0.34),
        Feedback(k=2, weight=0.3)),
    "sentence-transformers/all-MiniLM-L6-v2": ModelSettings(
        {"dense": 1.0, "keyword": 0.1, "names": 0.25}, Calibration(close=0.42, strong=0.80, good=0.40)),
}
DEFAULT_SETTINGS = MODEL_SETTINGS["sentence-transformers/all-mpnet-base-v2"]


class _Concepts(NamedTuple):
    """The default-threshold concept maths, computed once per Searcher."""

    pairs: list[DuplicatePair]
    groups: list[ConceptGroup]
    by_entry: dict[str, ConceptGroup]  # entry id -> its concept


@dataclass
class Answer:
    """Hits for one question, plus what the user should be told about it."""

    question: str
    hits: list[Hit]
    notices: list[str] = field(default_factory=list)

    @property
    def close_match(self) -> bool:
        return bool(self.hits) and self.hits[0].strength != "weak"


def clean_question(question: str) -> tuple[str, list[str]]:
    """Strip control characters, fold whitespace, cap the length; refuse a question without a letter or digit."""
    if not isinstance(question, str):
        raise UsageError(f"question must be text, got {type(question).__name__} {brief(question)}.")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise UsageError("The question is empty: type a few words, e.g. 'how do I measure wait time'.")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):  # '???' or '...': nothing to match
        raise UsageError(f"The question {text[:40]!r} has no words: type a few, e.g. 'how do I measure wait time'.")
    notices = []
    if len(text) > MAX_QUESTION_CHARS:
        notices.append(
            f"Your question is {len(text):,} characters long; only the first {MAX_QUESTION_CHARS:,} were used."
        )
        text = text[:MAX_QUESTION_CHARS]
    return text, notices


def check_top_k(top_k: object) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise UsageError(f"top_k must be a whole number of at least 1, got {brief(top_k)}.")
    return top_k


def check_names(value: object, argument: str) -> list[str] | None:
    """A list of ids (glossaries, bands) from a caller; a lone str would be read letter by letter."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)) \
            or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{argument} must be a list of names, e.g. [{'office-gurus-bpo'!r}], "
                         f"got {type(value).__name__} {brief(value)}.")
    return list(value)


def check_path(value: object, argument: str) -> Path | None:
    if value is not None and not isinstance(value, (str, Path)):
        raise UsageError(f"{argument} must be a folder path, got {type(value).__name__} {brief(value)}.")
    return Path(value) if value is not None else None


class Searcher:
    """Open once (builds or loads the index), then ask many questions; safe to share between threads."""

    def __init__(self, corpus: Corpus, embedder, stored_index, row_entry: np.ndarray, *,
                 scheme: str = DEFAULT_SCHEME, weights: dict[str, float] | None = None,
                 notices: Sequence[str] = (), prepared: Prepared | None = None,
                 neighbours: np.ndarray | None = None):
        if prepared is None or prepared.corpus is not corpus or prepared.scheme != scheme:
            prepared = prepare(corpus, scheme)
        self.corpus = corpus
        self.entries: tuple[Entry, ...] = corpus.entries
        self.embedder = embedder
        self.index = stored_index
        self.row_entry = row_entry
        # Settings are chosen for the model that encodes questions (the question adapter changes them).
        model = getattr(embedder, "question_model_id", None) or getattr(embedder, "model_id", "")
        settings = MODEL_SETTINGS.get(model, DEFAULT_SETTINGS)
        self.weights = dict(weights or settings.weights)
        self.fusion = DEFAULT_FUSION
        self.notices = list(notices)
        self.index_update: IndexUpdate | None = None  # set by open() when it had to build: what it embedded
        self.keyword = prepared.keyword
        self.names = prepared.names
        self._see = prepared.see
        self._links = (prepared.name_links, prepared.candidate_links)
        self._neighbours = neighbours  # mined at build (store.NEIGHBOURS); else on first need
        self._by_id = {e.id: i for i, e in enumerate(self.entries)}
        # Only the rows these need, read straight from the index (a copy of all of them: 450 MB at 100k).
        pick = {kind: rows_of_kind(prepared.row_kinds, row_entry, kind) for kind in ("full", "definition", "names")}
        self.entry_vectors = stored_index.vectors(pick["full"])  # related concepts, the map
        self.views = EntryViews(definition=stored_index.vectors(pick["definition"]),
                                names=stored_index.vectors(pick["names"]))
        self.decisions = Decisions.load(corpus.root)
        self.pair_scorer = self._pair_scorer()
        self.calibration = settings.calibration
        self.feedback = settings.feedback
        self._encode_lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._concepts = None
        self._concepts_lock = threading.Lock()
        self._concepts_thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._map = None
        self._map_lock = threading.Lock()
        words = getattr(embedder, "words", None)  # a model without a tokenizer vocabulary: no correction
        self.speller = Speller(words, self._texts) if words else None

    # ---- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, corpus_dir: str | Path | None = None, index_dir: str | Path | None = None, *,
             model: str | None = None, backend: str | None = None, embedder=None, scheme: str = DEFAULT_SCHEME,
             rebuild: bool = False, progress: bool = False,
             notify: Callable[[str], None] | None = None, vector_store: str | None = None,
             background: bool = False) -> "Searcher":
        """Load the corpus and its index, building or refreshing the index when missing or stale.

        `background`: the model loads in a thread and opening does not wait for it (the app draws its first
        screen meanwhile); the first question waits (`embedder_ready`).

        `backend`: "onnx" (default: exported once into the models cache) or "torch" (the same vectors).
        `vector_store`: "faiss" (default) or "milvus:<path-or-uri>", a collection synced from the local index.
        """
        corpus_dir, index_dir = check_path(corpus_dir, "corpus_dir"), check_path(index_dir, "index_dir")
        for argument, value in (("model", model), ("backend", backend)):
            if value is not None and not isinstance(value, str):
                raise UsageError(f"{argument} must be text, got {type(value).__name__} {brief(value)}.")
        index_dir = index_dir or DEFAULT_INDEX
        told: list[str] = []

        def tell(message: str) -> None:
            told.append(message)
            if notify:
                notify(message)

        prepared = open_prepared(corpus_dir or DEFAULT_CORPUS, scheme, index_dir, notify=tell)
        corpus = prepared.corpus
        if embedder is None:
            from .embedder import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder(model, backend=backend, notify=notify, background=background)
        update: list[IndexUpdate] = []
        index, row_entry, neighbours, _ = build_or_load(
            corpus, embedder, index_dir, scheme=scheme, rebuild=rebuild,
            progress=progress, notify=tell, prepared=prepared, on_update=update.append,
        )
        if vector_store and vector_store != "faiss":
            from .stores import open_vector_store

            texts = [row.text for row in corpus_rows(corpus.entries, scheme)[0]]
            index = open_vector_store(vector_store, index, texts, embedder.model_id, notify=tell)
        searcher = cls(corpus, embedder, index, row_entry, scheme=scheme, notices=told, prepared=prepared,
                       neighbours=neighbours)
        searcher.index_update = update[-1] if update else None
        return searcher

    # ---- asking ----------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = 5, glossaries: Sequence[str] | None = None) -> list[Hit]:
        return self.answer(question, top_k, glossaries).hits

    def answer(self, question: str, top_k: int = 5, glossaries: Sequence[str] | None = None) -> Answer:
        text, notices = clean_question(question)
        top_k = check_top_k(top_k)
        allowed = self._glossary_mask(glossaries)
        searched, corrections = self.spelled(text)
        if corrections:
            notices.append("Spelling corrected: " + ", ".join(f"{a} → {b}" for a, b in corrections) + ".")
        signals = self.signals(searched)
        fused = fuse(signals, self.weights, self.fusion)
        fused = np.where(allowed, fused, -1.0)
        order = [i for i in np.argsort(-fused, kind="stable")[:top_k] if fused[i] >= 0]
        question_stems = self.keyword.telling(set(stem_words(searched)))
        hits = [self._hit(i, fused[i], signals, question_stems) for i in order]
        return Answer(text, label_strengths(hits, signals, self.calibration), notices)

    def embedder_ready(self) -> bool:
        """False while the model still loads in the background: the next question will wait for it."""
        return getattr(self.embedder, "ready", lambda: True)()

    def spelled(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The question with misspelt words corrected to corpus words (spelling.py), and what was changed."""
        return self.speller.correct(text) if self.speller else (text, [])

    def _texts(self) -> Iterator[str]:
        for e in self.entries:
            yield from (e.term, *e.aliases, e.definition)

    def signals(self, text: str) -> dict:
        """Raw per-entry signals: dense cosine, BM25, and name matches (with an array of their scores)."""
        expanded = self.names.expand_acronyms(text)
        matches = self.names.match(text)
        name_scores = np.zeros(len(self.entries))
        for i, m in matches.items():
            name_scores[i] = m.score
        dense, closeness = self.dense_scores(expanded)
        return {"dense": dense, "closeness": closeness, "keyword": self.keyword.scores(expanded),
                "names": name_scores, "matches": matches}

    def fused_scores(self, text: str, weights: dict[str, float] | None = None,
                     fusion: str | None = None) -> tuple[np.ndarray, dict]:
        """Per-entry fused score and the raw signals behind it (misspelt words corrected, as ask does)."""
        signals = self.signals(self.spelled(text)[0])
        return fuse(signals, weights or self.weights, fusion or self.fusion), signals

    def dense_scores(self, text: str) -> tuple[np.ndarray, float]:
        """Per entry, the best cosine of its rows with the question (after feedback, when the model has it);
        and the question's best cosine before feedback, which says whether anything is close at all."""
        query = self._embed_query(text)
        first = self._cosines(query)
        closeness = float(first.max(initial=-1.0))
        if self.feedback is None or len(self.entries) <= self.feedback.k:
            return first, closeness
        nearest = np.argpartition(-first, self.feedback.k)[:self.feedback.k]
        moved = query + self.feedback.weight * self.entry_vectors[nearest].mean(axis=0)
        return self._cosines(moved / np.linalg.norm(moved)), closeness

    def _cosines(self, query: np.ndarray) -> np.ndarray:
        scores, rows = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1),
                                         k=min(len(self.index), DENSE_DEPTH))
        found = rows[0] >= 0
        out = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(out, self.row_entry[rows[0][found]], scores[0][found])
        return out

    def _encode_question(self, text: str) -> np.ndarray:
        return encode_questions(self.embedder, [text])[0]

    def _embed_query(self, text: str) -> np.ndarray:
        # The encoder is not thread-safe (its tokenizer is borrowed per call) and repeated questions are common.
        # A thread-safe embedder (batching.MicroBatcher) is called outside the lock, so concurrent questions meet.
        with self._encode_lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached
            if not getattr(self.embedder, "thread_safe", False):
                vector = self._encode_question(text)
        if getattr(self.embedder, "thread_safe", False):
            vector = self._encode_question(text)
        with self._encode_lock:
            self._query_cache[text] = vector
            if len(self._query_cache) > 512:
                self._query_cache.popitem(last=False)
            return vector

    def _glossary_mask(self, glossaries: Sequence[str] | None) -> np.ndarray:
        glossaries = check_names(glossaries, "glossaries")
        if not glossaries:
            return np.ones(len(self.entries), dtype=bool)
        known = {g.id for g in self.corpus.glossaries}
        unknown = [g for g in glossaries if g not in known]
        if unknown:
            raise UsageError(f"Unknown glossary {brief(unknown[0])}; valid glossaries: {', '.join(sorted(known))}.")
        return np.array([e.glossary in set(glossaries) for e in self.entries])

    def _hit(self, i: int, score: float, signals: dict, question_stems: set[str]) -> Hit:
        entry = self.entries[i]
        dense = float(signals["dense"][i])
        name = signals["matches"].get(i)
        if name is not None and name.score >= NAME_FLOOR:
            matched, matched_text = name.kind, name.name
        else:
            matched, matched_text = "definition", ", ".join(shared_words(question_stems, entry.definition))
        return Hit(entry=entry, score=round(float(score), 4), matched=matched, matched_text=matched_text,
                   dense=round(dense, 4))

    # ---- concepts: near duplicates and related terms -------------------------------------------------
    def duplicate_pairs(self, thresholds: Thresholds | None = None) -> list[DuplicatePair]:
        if thresholds is None or thresholds == DEFAULT_THRESHOLDS:
            return self._default_concepts().pairs
        return self._reviewed(self.pair_scorer.pairs(thresholds), thresholds)

    def duplicates(self, threshold: float | None = None, bands: Sequence[str] | None = None,
                   glossaries: Sequence[str] | None = None) -> list[ConceptGroup]:
        """Concept groups (identical/same) and related pairs.

        `threshold` is the evidence (0..1) needed for 'same concept'; see concepts.evidence.
        """
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0.0 < threshold <= 1.0):
            raise UsageError(f"threshold must be a number above 0 and at most 1, got {brief(threshold)}.")
        bands, glossaries = check_names(bands, "bands"), check_names(glossaries, "glossaries")
        unknown = [b for b in bands or () if b not in BANDS]
        if unknown:
            raise UsageError(f"Unknown band {brief(unknown[0])}; valid bands: {', '.join(BANDS)}.")
        if threshold is None:
            groups = self._default_concepts().groups
        else:
            t = replace(DEFAULT_THRESHOLDS, same=threshold, related=min(DEFAULT_THRESHOLDS.related, threshold))
            groups = self._named(concept_groups(self.entries, self._reviewed(self.pair_scorer.pairs(t), t)))
        if bands:
            groups = [g for g in groups if g.band in bands]
        if glossaries:
            self._glossary_mask(glossaries)  # validates the ids
            groups = [g for g in groups if any(e.glossary in glossaries for e in g.entries)]
        return groups

    # ---- the duplicates review (decisions.py): the one hook where pairs are computed ------------------
    def _pair_scorer(self) -> PairScorer:
        """Pairs named one concept: by 'See X.' references and by 'same' review decisions."""
        declared = [*reference_links(self._see), *self.decisions.same_links(self._by_id)]
        return PairScorer(self.entries, self.views, declared, links=self._links, neighbours=self._neighbours)

    def _reviewed(self, pairs: list[DuplicatePair], t: Thresholds = DEFAULT_THRESHOLDS) -> list[DuplicatePair]:
        def make_pair(a: str, b: str) -> DuplicatePair | None:
            if a not in self._by_id or b not in self._by_id:
                return None  # a decision on an entry the corpus no longer has
            i, j = sorted((self._by_id[a], self._by_id[b]))
            found = self.pair_scorer.pair(i, j, t)
            if found is not None:
                return found
            sim, names = self.pair_scorer.cosines(i, j)
            return DuplicatePair(self.entries[i], self.entries[j], 0.0, round(sim, 4), round(names, 4),
                                 round(self.pair_scorer.overlap(i, j), 3), "related", "reviewed")
        return self.decisions.apply(pairs, make_pair)

    def _named(self, groups: list[ConceptGroup]) -> list[ConceptGroup]:
        """A concept whose preferred entry a reviewer chose goes by that entry's name."""
        preferred = self.decisions.preferred_ids()
        if not preferred:
            return groups
        out = []
        for g in groups:
            chosen = next((e for e in g.entries if e.id in preferred), None)
            out.append(replace(g, canonical=chosen.label) if chosen and g.band != "related" else g)
        return out

    def review(self, decisions: Decisions) -> None:
        """Use these decisions from now on (the app calls it after saving one)."""
        with self._concepts_lock:
            self.decisions = decisions
            self.pair_scorer = self._pair_scorer()
            self._concepts = None

    def concept_of(self, entry: Entry) -> ConceptGroup | None:
        return self._default_concepts().by_entry.get(entry.id)

    def related(self, term: str, top_k: int = 10, glossaries: Sequence[str] | None = None) -> list[Related]:
        """The nearest other concepts to a term (name, acronym, alias or entry id); `glossaries`: only
        entries of these."""
        top_k = check_top_k(top_k)
        allowed = self._glossary_mask(glossaries)
        target = self.find_entry(term)
        groups = self._default_concepts().groups if self.concepts_ready() else self._named_groups()
        return related_entries(self.position(target), self.entries, self.entry_vectors, groups, top_k, allowed)

    def _named_groups(self) -> list[ConceptGroup]:
        """The classes the glossaries name alike, as groups: what stands for a concept until the groups
        are computed (a large corpus computes them in the background)."""
        return [ConceptGroup(f"named:{c}", tuple(self.entries[i] for i in members), 1.0, "same")
                for c, members in self.pair_scorer.members.items() if len(members) > 1]

    def find_entry(self, term: str) -> Entry:
        """An entry by id or by name; an unknown name raises UnknownTermError with the closest names."""
        if term is not None and not isinstance(term, str):
            raise UsageError(f"term must be text, got {type(term).__name__} {brief(term)}.")
        term = (term or "").strip()
        if not term:
            raise UsageError("The term is empty: name a term, e.g. 'Average Handle Time'.")
        if term in self._by_id:
            return self.entry(term)
        found = [e for e in self.corpus.find_by_name(term) if not e.see] or self.corpus.find_by_name(term)
        if found:
            return found[0]
        from rapidfuzz import process

        labels = sorted({e.label for e in self.entries})
        suggestions = [m[0] for m in process.extract(term, labels, limit=3, score_cutoff=50)]
        raise UnknownTermError(term, suggestions)

    def _default_concepts(self) -> _Concepts:
        with self._concepts_lock:
            if self._concepts is None:
                pairs = self._reviewed(self.pair_scorer.pairs())
                groups = self._named(concept_groups(self.entries, pairs))
                self._concepts = _Concepts(pairs, groups, concept_of(groups))
            return self._concepts

    def concepts_ready(self) -> bool:
        """True once the concept groups are computed; a large corpus starts computing them when asked."""
        if self._concepts is None and len(self.entries) <= CONCEPTS_INLINE_MAX:
            self._default_concepts()
        elif self._concepts is None and self._concepts_thread is None:
            with self._thread_lock:  # not _concepts_lock: that one is held while they are computed
                if self._concepts_thread is None:
                    self._concepts_thread = threading.Thread(target=self._default_concepts, daemon=True,
                                                             name="concept-groups")
                    self._concepts_thread.start()
        return self._concepts is not None

    def compare(self, question: str) -> list[Hit]:
        """For 'X vs Y' / 'difference between X and Y': the best entry for each side, else []."""
        text, _ = clean_question(question)
        if not re.search(r"\b(?:vs\.?|versus|differen\w*|compared?)\b", text, re.IGNORECASE):
            return []
        sides = core_phrases(text)[1:]
        if len(sides) != 2:
            return []
        hits = [self.ask(side, top_k=1)[0] for side in sides]
        if hits[0].entry.id == hits[1].entry.id or any(h.strength == "weak" for h in hits):
            return []
        return hits

    def concept_key(self, entry: Entry) -> str:
        """Entries of one concept share a key: its duplicate group, else its folded term name."""
        group = self.concept_of(entry)
        return group.canonical if group and group.band != "related" else normalize_name(entry.term)

    def card_keys(self, entry: Entry) -> set[str]:
        """What puts two hits on one result card: one term name (case, plurals folded), or one concept
        group the glossaries name alike or that copies its wording. A group found by meaning alone does
        not merge cards: such groups are right 24 times in 52 on this corpus (README, Evaluation), and a
        wrong merge hides a term (Inbound Contact Center under Outbound)."""
        keys = {f"term:{normalize_name(entry.term)}"}
        if not self.concepts_ready():  # meanwhile, the entries the glossaries name alike share a card
            named = int(self.pair_scorer.classes[self.position(entry)])
            if len(self.pair_scorer.members[named]) > 1:
                keys.add(f"named:{named}")
            return keys
        group = self.concept_of(entry)
        if group and (group.band == "identical" or named_alike(group)):
            keys.add(f"concept:{group.canonical}")
        return keys

    def same_concept(self, entry: Entry) -> list[Entry]:
        """The entries that define this entry's concept by the glossaries' own naming (itself first), for the
        term page: its namesakes, and the members of its concept named alike, copied word for word or
        reviewed as one. A member found by meaning alone is a suggestion, listed as such on the page, as on
        Ask's cards (`card_keys`): Queue Time's page no longer prints Wait Time's definition as its own."""
        group = self.concept_of(entry)
        members = []
        if group:
            sure = group.band == "identical" or named_alike(group)
            declared = {p.b.id if p.a.id == entry.id else p.a.id for p in group.pairs
                        if entry.id in (p.a.id, p.b.id) and (p.basis != "meaning" or p.band == "identical")}
            members = [e for e in group.entries if sure or e.id in declared]
        members += [e for e in self.corpus.find_by_name(entry.term) if e not in members]
        apart = {d.a if d.b == entry.id else d.b for d in self.decisions
                 if d.verdict != "same" and entry.id in (d.a, d.b)}  # reviewed as two concepts
        return [entry] + [e for e in members if e.id != entry.id and e.id not in apart]

    def map_points(self) -> np.ndarray:
        """2-D coordinates of every entry (t-SNE of the entry vectors, concepts.project_2d), computed once."""
        with self._map_lock:
            if self._map is None:
                self._map = project_2d(self.entry_vectors)
            return self._map

    # ---- lookups used by the CLI and the app -----------------------------------------------------
    def entry(self, entry_id: str) -> Entry:
        return self.entries[self._by_id[entry_id]]

    def position(self, entry: Entry) -> int:
        return self._by_id[entry.id]


def fuse(signals: dict, weights: dict[str, float], fusion: str = "score", rrf_k: int = RRF_K) -> np.ndarray:
    """Combine the signals into one score per entry, by weighted scores or reciprocal rank fusion."""
    if fusion == "score":
        return weighted_scores({k: signals[k] for k in ("dense", "keyword", "names")}, weights)
    rankings = {
        "dense": ranks(signals["dense"], floor=-1.0),
        "keyword": ranks(signals["keyword"], floor=0.0),
        "names": ranks(signals["names"], floor=NAME_FLOOR),
    }
    return reciprocal_rank_fusion(rankings, weights, k=rrf_k)


NAMED = 0.85  # a name match this close (exact term, acronym, near-exact spelling) answers the question
_RANK = {"weak": 0, "good": 1, "strong": 2}


def label_strengths(hits: list[Hit], signals: dict, calibration: Calibration) -> list[Hit]:
    """Strong / good / weak for each hit, never rising down the list (hits come in fused-score order).

    Whether anything is close is a property of the question: its best dense cosine over the corpus, or a
    term named outright. Within a close answer, each hit's fused score decides strong, good or weak.
    """
    named = float(signals["names"].max(initial=0.0)) >= NAMED
    closeness = signals.get("closeness", float(signals["dense"].max(initial=-1.0)))
    close = named or closeness >= calibration.close
    out: list[Hit] = []
    for rank, hit in enumerate(hits):
        if not close:
            strength = "weak"
        elif hit.score >= calibration.strong:
            strength = "strong"
        elif hit.score >= calibration.good or rank == 0:
            strength = "good"
        else:
            strength = "weak"
        if out and _RANK[strength] > _RANK[out[-1].strength]:
            strength = out[-1].strength
        out.append(replace(hit, strength=strength))
    return out


def build_or_load(corpus: Corpus, embedder, index_dir: Path, *, scheme: str = DEFAULT_SCHEME,
                  rebuild: bool = False, progress: bool = False,
                  notify: Callable[[str], None] | None = None, prepared: Prepared | None = None,
                  on_update: Callable[[IndexUpdate], None] | None = None):
    """(faiss index, row -> entry map, mined neighbours or None, notices): the stored index when it matches,
    else a fresh build.
    `prepared`: the corpus' hashes and row map, known already (the texts are made only to build).
    `on_update` receives what a build embedded (IndexUpdate); a stored index that serves as is sends nothing."""
    notify = notify or (lambda message: None)
    notices: list[str] = []
    routine: list[str] = []  # the notices an IndexUpdate's figures stand for

    def tell(message: str) -> None:
        notices.append(message)
        notify(message)

    def tell_routine(message: str) -> None:
        routine.append(message)
        tell(message)

    def built(counts: tuple[int, int, int, int]) -> None:
        if on_update:
            on_update(IndexUpdate(*counts, notes=tuple(routine)))

    if prepared is not None and prepared.corpus is corpus and prepared.scheme == scheme:
        row_entry, corpus_hash, texts_hash = prepared.row_entry, prepared.content_hash, prepared.texts_hash
        kinds = prepared.row_kinds
    else:
        rows, row_entry = corpus_rows(corpus.entries, scheme)
        corpus_hash, texts_hash = corpus.content_hash(), texts_key([row.text for row in rows])
        kinds = np.array([row.kind for row in rows], dtype=str)
    expected = store.Manifest(
        model_id=embedder.model_id, dim=int(embedder.dim), entry_count=len(corpus.entries),
        row_count=len(row_entry), corpus_hash=corpus_hash, text_scheme=scheme, texts_hash=texts_hash,
    )
    entry_ids = [e.id for e in corpus.entries]

    def serves(stored: store.StoredIndex) -> str | None:
        why = stored.manifest.mismatch(expected)
        if why is None and (stored.entry_ids != entry_ids or not np.array_equal(stored.row_entry, row_entry)):
            why = "its row map does not match the corpus"
        return why

    if not rebuild:
        try:
            stored = store.load(index_dir)
            why = serves(stored)
            if why is None:
                return stored.index, stored.row_entry, stored.neighbours, notices
            tell_routine(f"Index in {index_dir} is stale ({why}); rebuilding.")
        except IndexFileError as exc:
            tell(f"{exc}; building it." if "No index" in str(exc) else f"{exc}; rebuilding.")
    can_write = store.writable(index_dir)
    if not can_write:
        tell(f"{index_dir} is not writable; the index is built in memory for this session only.")
    cache = store.EmbeddingCache(index_dir if can_write else None, embedder.model_id, notify=tell)
    texts = [row.text for row in corpus_rows(corpus.entries, scheme)[0]]
    index = None
    if can_write:
        try:
            with store.build_lock(index_dir, on_wait=tell):
                store.clean_debris(index_dir)
                # The build we waited for may already be the one we need.
                try:
                    stored = store.load(index_dir)
                    if not rebuild and serves(stored) is None:
                        return stored.index, stored.row_entry, stored.neighbours, notices
                except IndexFileError:
                    pass
                index, vectors, counts = _build(cache, embedder, texts, row_entry, progress, tell_routine)
                neighbours = _mine(vectors, row_entry, kinds)
                del vectors
                manifest = _manifest(expected, index, getattr(embedder, "backend", "n/a"))
                store.save(index_dir, manifest, index, row_entry, entry_ids, neighbours)
                cache.save(texts)
                built(counts)
                return index, row_entry, neighbours, notices
        except (OSError, RuntimeError) as exc:  # disk full, a folder not writable: CURRENT is untouched
            tell(f"Cannot write the index in {index_dir} ({store.describe(exc)}); searching from memory for "
                 "this session, the index on disk is unchanged.")
    if index is None:
        index, _, counts = _build(cache, embedder, texts, row_entry, progress, tell_routine)
        built(counts)
    return index, row_entry, None, notices  # neighbours mined when first needed


def _build(cache, embedder, texts, row_entry, progress, tell):
    """(index, vectors, IndexUpdate's counts): only the texts the cache lacks are embedded."""
    vectors, fresh = cache.embed(embedder, texts, show_progress=progress)
    entries = len({int(row_entry[i]) for i in fresh})
    embedded = len({texts[i] for i in fresh})
    distinct = len(set(texts))
    tell(f"Embedded {embedded} new text(s) of {distinct} distinct ({distinct - embedded} from the cache).")
    counts = (entries, len(set(row_entry.tolist())) - entries, embedded, distinct - embedded)
    return FaissIndex.build(vectors), vectors, counts


def _mine(vectors: np.ndarray, row_entry: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """The near-duplicate candidates of the entries (concepts.neighbour_pairs), mined once per build:
    the duplicates report then starts from them (minutes at 100k entries, were they mined on first use)."""
    views = EntryViews(definition=vectors[rows_of_kind(kinds, row_entry, "definition")],
                       names=vectors[rows_of_kind(kinds, row_entry, "names")])
    return neighbour_pairs(mining_vectors(views), CANDIDATES_PER_ENTRY)


def _manifest(expected: store.Manifest, index, backend: str) -> store.Manifest:
    import datetime
    import importlib.metadata as md

    def version(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "n/a"

    versions = {p: version(p) for p in ("glossary-search", "sentence-transformers", "torch", "numpy")}
    versions["faiss"] = faiss_version()
    versions["embedding backend"] = backend  # torch and onnx give the same vectors: either may reuse the index
    return store.Manifest(**{**expected.__dict__, "index_kind": index.kind, "versions": versions,
                             "built_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
