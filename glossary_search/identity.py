"""Entries the glossaries themselves name as one concept, before any vector is compared.

Three kinds of naming say so: the same term ('Churn Rate' in two glossaries), the same acronym on nested
names ('Customer Satisfaction (CSAT)' and 'Customer Satisfaction Score (CSAT)', but not the two CSRs), and
'See X.' cross-references. An alias is not one of them: it is a name the entry also goes by, often a looser
one ('Call Center', alias 'Contact Center', where other glossaries define the two apart), so it joins no
one else's term; it counts as evidence, through the names vector (texts.names_text), like any wording.

Names are compared as stemmed words, so morphological variants of one name are one name ('Abandon Rate'
and 'Abandonment Rate', 'Customer Journey Map' and 'Customer Journey Mapping'), and so are the spellings
of one compound ('Omnichannel', 'Omni-channel').

Acronyms can name a concept too, but they collide (CSR: Customer Service Representative, Corporate Social
Responsibility), so a match by acronym alone is only a candidate (`acronym_links`): a term that is only an
acronym ('AHT') and the term that declares it ('Average Handle Time (AHT)'), a declared acronym and the
initials of a name that gives none, or one acronym on names that do not nest. So is a name a definition
states ('Also known as Customer Service Specialists (CSS), agents, advisors': `stated_links`), which may be
looser than the concept. Those count only when the definitions agree, which needs the vectors
(concepts.PairScorer).

Naming can also say the opposite: 'Queue Time' contains 'Queue' but names a time, not a queue; and
'Contact Center Customer Relationship Management (CRM)', whose acronym spells only part of its term, is a
kind of CRM, not CRM; 'First Response Time' is one response's time, not 'Response Time'.
"""
from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz

from .corpus import normalize_name
from .keyword import stem
from .types import Entry

NESTED_NAMES = 90  # rapidfuzz token_set_ratio: one name's words within the other's, give or take a typo
MIN_INITIALS = 3  # two-letter initials collide too often (CS: Customer Service, Customer Success)
# Words that pick one occurrence out of a series: 'First Response Time' is the time to one response, the first,
# so it names a narrower measure than 'Response Time' (`counts_one`).
ORDINALS = {"first", "second", "third", "initial", "final", "last"}
PREPOSITIONS = {"of", "in", "per", "for", "to", "with", "on", "by", "from", "at", "into", "via", "vs", "versus"}
INITIALS_SKIP = {"of", "and", "the", "for", "to", "in", "on", "a", "an", "&", "per", "with", "by", "as", "or"}


def name_key(name: str) -> str:
    """A name folded to its stemmed words: case, punctuation, '(ACR)' and inflection ('Abandonment') aside."""
    return " ".join(stem(w) for w in normalize_name(name).split())


def compact_key(name: str) -> str:
    """`name_key` without its spaces: a compound written closed, hyphenated or open is one name ('Omnichannel',
    'Omni-channel'; 'Callback', 'Call Back')."""
    return name_key(name).replace(" ", "")


def _term_key(entry: Entry) -> str:
    return compact_key(entry.term)


def is_acronym(text: str) -> bool:
    """'AHT', 'CCaaS', 'VoIP', 'Q&A': one word, mostly capitals; not 'Self-Service'."""
    text = text.strip()
    upper = sum(c.isupper() for c in text)
    return bool(re.fullmatch(r"[A-Za-z0-9&/.+-]{2,12}", text)) and upper >= 2 and upper * 2 >= len(text)


def _words(term: str) -> list[str]:
    return [w for w in re.split(r"[\s/-]+", re.sub(r"\([^)]*\)", " ", term)) if w[:1].isalnum()]


def _spelled(words: Sequence[str]) -> set[str]:
    """The initials of some words, with and without their small words, as acronym keys."""
    variants = ("".join(w[0] for w in words), "".join(w[0] for w in words if w.casefold() not in INITIALS_SKIP))
    return {_acronym_key(v) for v in variants if v}


# The opening words of a definition, up to a colon, a spaced dash, a bracket or the first comma or full stop.
_OPENING = re.compile(r"^\s*(?P<name>[^:;,.()–—]{3,80}?)\s*(?::|\s[-–—]\s|[(,.;–—])")


def spelled_out(entry: Entry) -> str | None:
    """The name an acronym-only term's definition opens with, when its initials spell the term: acronym
    lists write 'CPA' and define it 'Cost per Acquisition: what it costs to win one customer'. That name
    is the entry's too (texts.names_text), so it meets 'Customer Acquisition Cost' by name as well."""
    if not is_acronym(entry.term) or entry.acronym or entry.see:
        return None
    opening = _OPENING.match(entry.definition)
    if not opening or len(words := _words(opening["name"])) > 8:
        return None
    return opening["name"].strip() if _acronym_key(entry.term) in _spelled(words) else None


def abbreviates_part(entry: Entry) -> bool:
    """True when the entry's acronym spells only part of its term, not the whole: 'Contact Center Customer
    Relationship Management (CRM)' is CRM in a contact center, a narrower thing than CRM, so that acronym
    names the part, not the entry. An acronym that spells no part ('Customer Satisfaction Score (CSAT)') or
    the whole term is the entry's own."""
    if not entry.acronym:
        return False
    words, key = _words(entry.term), _acronym_key(entry.acronym)
    if key in _spelled(words):
        return False
    return any(key in _spelled(words[i:j]) for i in range(len(words)) for j in range(i + 2, len(words) + 1)
               if j - i < len(words))


def narrows(a: Entry, b: Entry) -> bool:
    """True when a is b qualified: a's acronym abbreviates only part of a's term, and b goes by that acronym
    ('Contact Center Customer Relationship Management (CRM)' and 'Customer Relationship Management (CRM)')."""
    return abbreviates_part(a) and _acronym_key(a.acronym) in acronyms(b)


def counts_one(a: Entry, b: Entry) -> bool:
    """True when one term is the other with an ordinal only it has ('First Response Time', 'Response Time';
    'First Contact Resolution', 'Contact Resolution'): it measures one occurrence of what the other does, a
    narrower concept. 'Average First Response Time' and 'First Response Time' both count the first."""
    wa, wb = set(normalize_name(a.term).split()), set(normalize_name(b.term).split())
    return bool(wa and wb) and wa != wb and (wa <= wb or wb <= wa) and bool((wa ^ wb) & ORDINALS)


def declared_acronym(entry: Entry) -> str | None:
    """The entry's acronym field, unless it abbreviates only part of the term (`abbreviates_part`)."""
    return entry.acronym if entry.acronym and not abbreviates_part(entry) else None


def own_acronyms(entry: Entry) -> set[str]:
    """Acronyms the glossary itself gives the entry: its acronym field, or its term when that is one."""
    found = {acronym} if (acronym := declared_acronym(entry)) else set()
    if is_acronym(entry.term):
        found.add(entry.term)
    return {_acronym_key(a) for a in found}


def initials(entry: Entry) -> set[str]:
    """Initials of a name that declares no acronym ('Automatic Call Distributor' -> ACD), with and without
    its small words ('Cost per Contact' -> CPC and CC); none for a one-word name or short initials."""
    if own_acronyms(entry):
        return set()
    words = _words(entry.term)
    if len(words) < 2:
        return set()
    return {key for key in _spelled(words) if len(key) >= MIN_INITIALS}


def _acronym_key(acronym: str) -> str:
    key = re.sub(r"[^0-9a-z]+", "", acronym.casefold())
    return key[:-1] if len(key) > 3 and key.endswith("s") else key  # 'CSRs' is 'CSR'


def same_name(a: Entry, b: Entry) -> bool:
    """One term (stemmed words), or a shared acronym on names nested one in the other."""
    key = _term_key(a)
    if key and key == _term_key(b):
        return True
    acronym_a, acronym_b = declared_acronym(a), declared_acronym(b)
    return bool(acronym_a and acronym_b and acronym_a.casefold() == acronym_b.casefold()
                and fuzz.token_set_ratio(normalize_name(a.term), normalize_name(b.term)) >= NESTED_NAMES)


def nested(a: Entry, b: Entry) -> bool:
    """One term's words all within the other's ('First Response Time', 'Average First Response Time')."""
    wa, wb = set(name_key(a.term).split()), set(name_key(b.term).split())
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def heads(words: Sequence[str]) -> set[str]:
    """The head word of a name, the kind of thing it names: its last word, or the last before a preposition
    ('Cost per Contact' is a cost, 'Time to Resolution' a time, 'Robotic Process Automation in BPO' an
    automation); a name of alternatives has one per alternative ('Abandoned Call or Contact': call, contact)."""
    found = set()
    for part in " ".join(words).split(" or "):
        part_words = part.split()
        cut = next((k for k, w in enumerate(part_words) if k and w in PREPOSITIONS), len(part_words))
        if cut:
            found.add(part_words[cut - 1])
    return found


def different_heads(a: Entry, b: Entry) -> bool:
    """One term's words nested in the other's, but the two name different kinds of thing (`heads`).

    The head of an English compound is the kind of thing it names: 'Queue Time' is a time, 'Customer
    Journey Map' a map, 'Customer Effort Score' a score. Such names are neighbours (a measure or an
    artefact of the shorter one), never one concept; 'Support Ticket' keeps the head of 'Ticket' and may
    well be one.
    """
    wa, wb = normalize_name(a.term).split(), normalize_name(b.term).split()
    short, long = sorted((wa, wb), key=len)
    return bool(short) and len(short) < len(long) and set(short) < set(long) and not heads(short) & heads(long)


def acronym_links(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, that one acronym names but `same_name` does not join: an acronym-only term and
    the spelled-out term declaring it, a declared acronym and another name's initials, one declared acronym
    on names that do not nest. Candidates only: they are one concept when their definitions agree."""
    own = [own_acronyms(e) for e in entries]
    buckets: dict[str, set[int]] = defaultdict(set)
    for i, e in enumerate(entries):
        for key in own[i] | initials(e):
            buckets[key].add(i)
    found = set()
    for key, members in buckets.items():
        # One representative per distinct term (entries sharing a term are already one class): 8,000
        # entries under one acronym cost a handful of comparisons, not 32 million.
        reps: dict[tuple[str, bool], int] = {}
        for i in sorted(members):
            reps.setdefault((normalize_name(entries[i].term), key in own[i]), i)
        for i, j in combinations(sorted(reps.values()), 2):
            if (key in own[i] or key in own[j]) and not same_name(entries[i], entries[j]):
                found.add((i, j))
    return sorted(found)


# A definition naming its own concept in so many words: 'Also known as Customer Service Specialists (CSS),
# agents, advisors, etc.', 'also called a (call center) representative, rep or CSR'.
_STATED = re.compile(r"\b(?:also|sometimes|often|commonly|otherwise|usually)\s+(?:called|known as|referred to as|"
                     r"termed|named)\b|\ba\.k\.a\.|\baka\b", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.;:!?]|\b(?:this|which|that|who|is|are|was|were)\b", re.IGNORECASE)
_ITEM = re.compile(r",|\bor\b|\band\b|/", re.IGNORECASE)
MAX_STATED_WORDS = 5  # a longer item is prose, and ends the list


def stated_names(entry: Entry) -> tuple[set[str], set[str]]:
    """(name keys, acronym keys) the definition itself gives the concept after 'also known as', 'also
    called', 'aka' and the like, up to the end of the clause; a parenthesised word in a name is optional
    ('a (call center) representative': 'call center representative' and 'representative'). Inside brackets
    such a phrase names only what it follows, so it gives the entry no name."""
    names: set[str] = set()
    found_acronyms: set[str] = set()
    for match in _STATED.finditer(entry.definition):
        before = entry.definition[:match.start()]
        if before.count("(") > before.count(")"):
            continue  # '(handling calls; also called availability)' names the phrase it follows, not the entry
        clause = _CLAUSE_END.split(entry.definition[match.end():], maxsplit=1)[0]
        for item in _ITEM.split(clause):
            item = re.sub(r"^\s*(?:a|an|the)\s+", " ", item, flags=re.IGNORECASE).strip(" \t\n'\"")
            if not item or item.casefold().rstrip(".") == "etc":
                continue
            inside = re.findall(r"\(([^)]*)\)", item)
            bare = " ".join(re.sub(r"\([^)]*\)", " ", item).split())
            if len(bare.split()) > MAX_STATED_WORDS:
                break
            for part in inside:
                if is_acronym(part):
                    found_acronyms.add(_acronym_key(part))
                elif bare:
                    names.add(compact_key(item.replace("(", " ").replace(")", " ")))
            if is_acronym(bare):
                found_acronyms.add(_acronym_key(bare))
            elif bare:
                names.add(compact_key(bare))
    return {n for n in names if n}, {a for a in found_acronyms if a}


def stated_links(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j: entry i's definition names j's term or acronym (`stated_names`). Candidates only,
    as acronyms are: the name may be looser than the concept, or collide ('CSR'). One entry per distinct
    term is linked (entries sharing a term are one class already)."""
    stated = [stated_names(e) if not e.see else (set(), set()) for e in entries]
    wanted_names = set().union(*(names for names, _ in stated))
    wanted_acronyms = set().union(*(found for _, found in stated))
    if not wanted_names and not wanted_acronyms:
        return []
    by_name: dict[str, int] = {}
    by_acronym: dict[str, dict[str, int]] = defaultdict(dict)
    for j, e in enumerate(entries):
        key = _term_key(e)
        if key in wanted_names:
            by_name.setdefault(key, j)
        for acronym in own_acronyms(e) & wanted_acronyms:
            by_acronym[acronym].setdefault(key, j)
    found = set()
    for i, (names, found_acronyms) in enumerate(stated):
        targets = [by_name[n] for n in names if n in by_name]
        targets += [j for a in found_acronyms for j in by_acronym.get(a, {}).values()]
        found.update((min(i, j), max(i, j)) for j in targets
                     if _term_key(entries[j]) != _term_key(entries[i]))
    return sorted(found)


def candidate_links(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """`acronym_links` and `stated_links` together: pairs one concept when their definitions agree."""
    return sorted(set(acronym_links(entries)) | set(stated_links(entries)))


def acronyms(entry: Entry) -> set[str]:
    """What the entry is abbreviated as: its own acronym, else the initials of its name (3+ letters)."""
    return own_acronyms(entry) or initials(entry)


def name_links(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, that `same_name` joins, enough to connect every such pair (a spanning set:
    8,000 entries sharing one term give 7,999 links, not 32 million). Entries sharing a term are chained;
    under a shared acronym only distinct names are compared, each once."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        if key := _term_key(e):
            buckets["name:" + key].append(i)
        if acronym := declared_acronym(e):
            buckets["acronym:" + acronym.casefold()].append(i)
    links: set[tuple[int, int]] = set()
    for key, members in buckets.items():
        members = sorted(set(members))
        if key.startswith("name:"):
            links.update(zip(members, members[1:]))
            continue
        by_term: dict[str, list[int]] = defaultdict(list)  # one representative per distinct term
        for i in members:
            by_term[normalize_name(entries[i].term)].append(i)
        for same in by_term.values():
            links.update(zip(same, same[1:]))
        firsts = [same[0] for same in by_term.values()]
        links.update((min(i, j), max(i, j)) for i, j in combinations(firsts, 2) if same_name(entries[i], entries[j]))
    return sorted(links)


def identity_classes(n: int, links: Iterable[tuple[int, int]]) -> np.ndarray:
    """Class label per entry: the connected components of the links (scipy's csgraph)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = np.asarray(list(links), dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]
