"""Pure maths on hand-built inputs with known answers: fusion, bands, grouping, related concepts."""
from __future__ import annotations

import numpy as np
import pytest

from glossary_search.concepts import (
    EntryViews,
    PairScorer,
    Thresholds,
    band_of,
    canonical_name,
    concept_groups,
    duplicate_pairs,
    evidence,
    reference_links,
    related_entries,
    word_overlap,
)
from glossary_search.identity import acronym_links, different_heads, initials, is_acronym, name_links, same_name
from glossary_search.fusion import ranks, reciprocal_rank_fusion, weighted_scores
from glossary_search.texts import Row, rows_of_kind
from glossary_search.types import Entry


def E(n, term, definition, acronym=None, glossary="g"):
    return Entry(glossary=glossary, position=n, term=term, definition=definition, acronym=acronym)


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_ranks_mark_absent_items_zero():
    assert ranks(np.array([0.1, 0.9, 0.0, 0.5])).tolist() == [3, 1, 0, 2]


def test_rrf_prefers_items_ranked_well_everywhere():
    rankings = {"a": np.array([1, 2, 3]), "b": np.array([3, 1, 2])}
    fused = reciprocal_rank_fusion(rankings, {"a": 1.0, "b": 1.0}, k=1)
    assert fused.argmax() == 1 and fused.max() <= 1.0


def test_weighted_scores_keep_magnitudes_and_normalise_keyword():
    signals = {"dense": np.array([0.5, 0.6]), "keyword": np.array([10.0, 0.0]), "names": np.array([0.0, 0.0])}
    only_dense = weighted_scores(signals, {"dense": 1.0})
    assert only_dense.tolist() == pytest.approx([0.5, 0.6])
    with_kw = weighted_scores(signals, {"dense": 1.0, "keyword": 1.0})
    assert with_kw.argmax() == 0  # the keyword hit (scaled to 1.0) outweighs 0.1 of cosine


def test_word_overlap_separates_copies_from_paraphrases():
    assert word_overlap("Customers wait in the queue.", "customers waiting in queues") == 1.0
    assert word_overlap("Customers wait in the queue.", "Time before an agent answers.") == 0.0


def test_evidence_is_the_mean_of_definition_names_and_words():
    assert evidence(0.9, 0.6, 0.3) == pytest.approx(0.6)
    # Alike names lift a paraphrase over the bar; an unrelated pair sharing only an acronym stays under it.
    t = Thresholds()
    assert evidence(0.70, 1.0, 0.15) >= t.same
    assert evidence(0.26, 0.69, 0.02) < t.related


def test_bands():
    t = Thresholds(same=0.5, related=0.3, identical_overlap=0.8)
    a, b = E(1, "A", "Same text here."), E(2, "B", "Same  text here.")
    assert band_of(a, b, 0.1, 1.0, t) == "identical"  # identical wording whatever the vectors say
    c, d = E(3, "C", "one two"), E(4, "D", "three four")
    assert band_of(c, d, 0.6, 0.9, t) == "identical"  # same concept, near-same words
    assert band_of(c, d, 0.6, 0.2, t) == "same"
    assert band_of(c, d, 0.4, 0.0, t) == "related"
    assert band_of(c, d, 0.2, 0.0, t) is None


def test_duplicate_pairs_and_complete_linkage_groups():
    entries = [
        E(1, "Wait Time", "time customers wait before an agent"),
        E(2, "Queue Time", "time customers wait before an agent answers"),
        E(3, "Utilization", "busy share of staffed hours"),
        E(4, "Chatbot", "a program that chats"),
    ]
    definitions = np.stack([unit(1, 0, 0), unit(1, 0.1, 0), unit(1, 0.9, 0), unit(0, 0, 1)])
    names = np.stack([unit(1, 0, 0), unit(1, 0.2, 0), unit(0.5, 1, 0), unit(0, 0, 1)])
    pairs = duplicate_pairs(entries, EntryViews(definitions, names), Thresholds(same=0.6, related=0.4))
    bands = {(p.a.term, p.b.term): p.band for p in pairs}
    assert bands[("Wait Time", "Queue Time")] in ("same", "identical")
    assert [p.evidence for p in pairs] == sorted((p.evidence for p in pairs), reverse=True)
    groups = concept_groups(entries, pairs)
    concepts = [sorted(e.term for e in g.entries) for g in groups if g.band != "related"]
    assert concepts == [["Queue Time", "Wait Time"]]  # Utilization is not chained in
    assert all("Chatbot" not in {e.term for e in g.entries} for g in groups)


def test_rows_of_kind_picks_each_entrys_row_and_falls_back_to_its_first():
    rows = [Row("full", "a"), Row("definition", "a def"), Row("full", "b")]
    vectors = np.eye(3, dtype=np.float32)
    owners = np.array([0, 0, 1])
    assert vectors[rows_of_kind(rows, owners, "definition")].tolist() == [[0, 1, 0], [0, 0, 1]]
    assert vectors[rows_of_kind(rows, owners, "full")].tolist() == [[1, 0, 0], [0, 0, 1]]


def test_canonical_name_is_the_most_common_term_with_acronym():
    es = [E(1, "Net Promoter Score", "x", "NPS"), E(2, "Net Promoter Score", "y", "NPS"), E(3, "NPS metric", "z")]
    assert canonical_name(es) == "Net Promoter Score (NPS)"


def test_related_excludes_own_duplicates_and_repeats_of_a_concept():
    names = ["NPS", "Promoter Score", "CSAT", "Satisfaction", "Chatbot"]
    texts = ["promoters recommend", "likelihood referral", "satisfied buyers", "happy clients", "software robot"]
    # One glossary each: two terms one glossary defines apart would need more evidence (test below).
    entries = [E(i, t, d, glossary=f"g{i}") for i, (t, d) in enumerate(zip(names, texts), start=1)]
    vectors = np.stack([unit(1, 0, 0), unit(1, 0.01, 0), unit(1, 0.5, 0), unit(1, 0.52, 0), unit(0, 0, 1)])
    t = Thresholds(same=0.66, related=0.5)
    groups = concept_groups(entries, duplicate_pairs(entries, EntryViews(vectors, vectors), t))
    related = related_entries(0, entries, vectors, groups, top_k=3)
    terms = [r.entry.term for r in related]
    assert "Promoter Score" not in terms
    assert terms[0] in ("CSAT", "Satisfaction") and not {"CSAT", "Satisfaction"} <= set(terms)
    assert terms[-1] == "Chatbot"
    # A glossary filter that leaves out the concept's nearest entry keeps the concept by its next one.
    nearest = terms[0]
    allowed = np.array([e.term != nearest for e in entries])
    kept = [r.entry.term for r in related_entries(0, entries, vectors, groups, top_k=3, allowed=allowed)]
    assert nearest not in kept and ({"CSAT", "Satisfaction"} - {nearest}) <= set(kept) and "Chatbot" in kept


def test_cross_references_are_one_concept_with_their_target_and_never_compared_by_their_words():
    target = E(1, "Customer Service Representative", "A person who helps customers.", "CSR")
    pointer = Entry(glossary="g", position=2, term="Customer Service Specialist",
                    definition="See Customer Service Representative.", see="Customer Service Representative")
    other_pointer = Entry(glossary="g", position=3, term="Agent", definition="See Customer Service Representative.",
                          see="Customer Service Representative")
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 1, 0)])  # the vectors say "unrelated"
    links = reference_links({1: [0], 2: [0]})
    assert links == [(0, 1), (0, 2)]
    pairs = duplicate_pairs([target, pointer, other_pointer], EntryViews(vectors, vectors), declared=links)
    assert {p.band for p in pairs} == {"same"} and len(pairs) == 3  # the two pointers meet through their target
    assert {p.basis for p in pairs} == {"declared"}
    groups = concept_groups([target, pointer, other_pointer], pairs)
    assert [len(g.entries) for g in groups] == [3]
    # Without a declaration, two 'See X.' texts are not compared by their (identical) words.
    assert duplicate_pairs([pointer, other_pointer], EntryViews(vectors[1:], vectors[1:])) == []


def test_same_name_joins_terms_and_nested_acronyms_but_not_aliases_or_acronym_collisions():
    csat = E(1, "Customer Satisfaction", "x", "CSAT", glossary="g1")
    csat_score = E(2, "Customer Satisfaction Score", "y", "CSAT", glossary="g2")
    rep = E(3, "Customer Service Representative", "z", "CSR")
    responsibility = E(4, "Corporate Social Responsibility", "w", "CSR")
    channels = E(5, "Channels", "v", glossary="g1")
    contact_channels = Entry(glossary="g2", position=6, term="Contact Channels", definition="u", aliases=("Channel",))
    assert same_name(csat, csat_score)  # 'Customer Satisfaction (CSAT)' is 'Customer Satisfaction Score (CSAT)'
    assert not same_name(rep, responsibility)  # one acronym, two concepts
    assert not same_name(channels, contact_channels)  # an alias is evidence (the names vector), not identity
    assert same_name(E(7, "KPIs", "a"), E(8, "KPI", "b"))
    assert name_links([csat, csat_score, rep, responsibility, channels, contact_channels]) == [(0, 1)]


def test_an_alias_does_not_chain_two_terms_other_glossaries_define_apart():
    """'Call Center' with the alias 'Contact Center' once made every Call Center and Contact Center one
    named class (connected components), whatever their definitions; they are now compared by meaning."""
    entries = [Entry(glossary="g1", position=1, term="Call Center", definition="a place that takes calls",
                     aliases=("Contact Center",)),
               E(2, "Call Center", "a facility for telephone calls", glossary="g2"),
               E(3, "Contact Center", "a hub for phone, chat, email and social media", glossary="g2"),
               E(4, "Contact Center", "a department serving customers on every channel", glossary="g3")]
    assert name_links(entries) == [(0, 1), (2, 3)]
    definitions = np.stack([unit(1, 0, 0), unit(1, 0.1, 0), unit(1, 1, 0), unit(1, 1, 0.1)])
    names = np.stack([unit(1, 0.8, 0), unit(1, 0.3, 0), unit(0.3, 1, 0), unit(0.3, 1, 0)])
    scorer = PairScorer(entries, EntryViews(definitions, names))
    t = Thresholds(same=0.5, related=0.3)
    assert scorer.classes[0] == scorer.classes[1] and scorer.classes[0] != scorer.classes[2]
    across = scorer.pair(0, 2, t)
    assert across.basis == "meaning" and across.band == "related"
    assert scorer.pair(2, 3, t).basis == "named"


def test_namesakes_are_one_concept_and_are_compared_to_others_together():
    entries = [
        E(1, "Churn Rate", "customers lost", glossary="g1"),
        E(2, "Churn Rate", "share of customers who leave", glossary="g2"),
        E(3, "Account Churn", "accounts closed", glossary="g1"),
    ]
    # The two Churn Rates read apart; Account Churn is close to the first one only.
    definitions = np.stack([unit(1, 0, 0), unit(0.3, 1, 0), unit(1, 0.1, 0)])
    names = np.stack([unit(1, 0, 0), unit(1, 0, 0), unit(1, 1, 0)])
    scorer = PairScorer(entries, EntryViews(definitions, names))
    t = Thresholds(same=0.5, related=0.3)
    named = scorer.pair(0, 1, t)
    assert (named.band, named.basis, named.evidence) == ("same", "named", 1.0)
    first, second = scorer.pair(0, 2, t), scorer.pair(1, 2, t)
    assert first.evidence == second.evidence  # Account Churn meets both Churn Rates with one score...
    mean = (scorer.own_evidence(0, 2) + scorer.own_evidence(1, 2)) / 2
    assert first.evidence == pytest.approx(mean, abs=1e-4)  # ...the mean over the namesakes
    assert scorer.own_evidence(0, 2) > first.evidence > scorer.own_evidence(1, 2)
    assert first.band == second.band


def test_nested_names_with_different_heads_name_different_kinds():
    assert different_heads(E(1, "Queue", "a"), E(2, "Queue Time", "b"))  # a time, not a queue
    assert different_heads(E(1, "Customer Journey Map", "a"), E(2, "Customer Journeys", "b"))
    assert not different_heads(E(1, "Ticket", "a"), E(2, "Support Ticket", "b"))  # still a ticket
    assert not different_heads(E(1, "Queue Time", "a"), E(2, "Wait Time", "b"))  # not nested
    assert not different_heads(E(1, "Queue", "a"), E(2, "Queues", "b"))  # one name
    # The head comes before a preposition, and a name of alternatives has one per alternative.
    assert different_heads(E(1, "Resolution", "a"), E(2, "Time to Resolution", "b"))  # a time
    assert not different_heads(E(1, "Robotic Process Automation", "a"), E(2, "Robotic Process Automation in BPO", "b"))
    assert not different_heads(E(1, "Abandoned Call", "a"), E(2, "Abandoned Call or Contact", "b"))
    assert different_heads(E(1, "Abandoned Call", "a"), E(2, "Abandoned Call Rate or Percentage", "b"))


def test_names_of_different_kinds_are_at_most_related_unless_worded_alike():
    entries = [E(1, "Queue", "customers waiting in line"), E(2, "Queue Time", "time customers wait in line"),
               E(3, "Support Ticket", "a customer request record")]
    close = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(0, 1, 0)])
    scorer = PairScorer(entries, EntryViews(close, close))
    t = Thresholds(same=0.5, related=0.3)
    capped = scorer.pair(0, 1, t)
    assert capped.evidence >= t.same  # close enough to be 'same' by meaning...
    assert (capped.band, capped.basis) == ("related", "heads")  # ...but a time is not a queue
    copies = PairScorer([entries[0], E(2, "Queue Time", entries[0].definition)], EntryViews(close[:2], close[:2]))
    assert copies.pair(0, 1, t).band == "identical"  # one definition under two names is still reported


# ---- at scale: grouping near-linear in the pairs, names linked without every pair, lazy concepts ---------
def _same_pair(a: Entry, b: Entry, score: float, band: str = "same"):
    from glossary_search.types import DuplicatePair

    return DuplicatePair(a=a, b=b, evidence=score, similarity=score, name_similarity=score, word_overlap=0.1,
                         band=band, basis="meaning")


def test_concept_groups_is_near_linear_in_the_pairs():
    import time

    n = 30_000
    entries = [E(i, f"term {i}", f"definition {i}") for i in range(n)]
    pairs = []
    for i in range(0, n, 3):  # 10,000 triangles: every two members 'same'
        a, b, c = entries[i:i + 3]
        pairs += [_same_pair(a, b, 0.9), _same_pair(b, c, 0.8), _same_pair(a, c, 0.7)]
    started = time.perf_counter()
    groups = concept_groups(entries, pairs)
    assert time.perf_counter() - started < 5  # the all-pairs scan per group took minutes
    assert len(groups) == n // 3 and all(len(g.entries) == 3 and len(g.pairs) == 3 for g in groups)


def test_concept_groups_complete_linkage_inside_a_component():
    a, b, c, d = (E(i, t, t) for i, t in enumerate(["wait time", "queue time", "hold time", "utilization"]))
    pairs = [_same_pair(a, b, 0.9), _same_pair(b, c, 0.8), _same_pair(a, c, 0.6), _same_pair(c, d, 0.95)]
    groups = concept_groups([a, b, c, d], pairs)
    same = sorted(tuple(e.term for e in g.entries) for g in groups if g.band == "same")
    # c~d (0.95) first, then a~b (0.9); {a,b} and {c,d} are not all linked: no chain across them
    assert same == [("hold time", "utilization"), ("wait time", "queue time")]
    # b~c and a~c lie between the same two concepts: one related group, both pairs kept (a verdict on it is
    # about them, never about a~b inside a concept)
    related = [g for g in groups if g.band == "related"]
    assert len(related) == 1 and related[0].canonical == "hold time ~ wait time"
    assert {e.term for e in related[0].entries} == {"wait time", "queue time", "hold time"}
    assert sorted(sorted((p.a.term, p.b.term)) for p in related[0].pairs) == [
        ["hold time", "queue time"], ["hold time", "wait time"]]
    assert related[0].score == 0.6  # its weakest pair
    from glossary_search.concepts import review_pairs

    assert sorted(map(sorted, review_pairs(related[0]))) == sorted(map(sorted, [(b.id, c.id), (a.id, c.id)]))
    concept = next(g for g in groups if g.band == "same" and len(g.entries) == 2 and a in g.entries)
    assert review_pairs(concept) == [(concept.entries[0].id, concept.entries[1].id)]


def test_name_links_do_not_materialise_every_pair_of_a_shared_name():
    import time

    entries = [E(i, "Average Handle Time", f"definition {i}", acronym="AHT") for i in range(8_000)]
    entries.append(E(8_000, "Average Hold Time", "another", acronym="AHT"))
    started = time.perf_counter()
    links = name_links(entries)
    assert time.perf_counter() - started < 5
    assert len(links) == 7_999  # a chain; 'Average Hold Time' shares only an acronym on a name not nested
    scorer = PairScorer(entries, EntryViews(np.eye(len(entries), 4, dtype=np.float32),
                                            np.eye(len(entries), 4, dtype=np.float32)))
    assert len(set(scorer.classes[:8_000].tolist())) == 1 and scorer.classes[8_000] != scorer.classes[0]
    assert scorer.pair(0, 7_999).basis == "named"


def test_candidate_pairs_are_each_rows_exact_top_k():
    from glossary_search.concepts import candidate_pairs

    rng = np.random.default_rng(3)
    v = rng.normal(size=(300, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    truth = {tuple(sorted((i, int(j)))) for i in range(300) for j in np.argsort(-sims[i])[:5]}
    assert set(candidate_pairs(v, top_k=5)) == truth


def test_asking_never_waits_for_the_concept_groups(tmp_path, monkeypatch):
    import threading

    from glossary_search import search
    from glossary_search.display import group_hits

    from .conftest import CORPUS, FakeEmbedder

    monkeypatch.setattr(search, "CONCEPTS_INLINE_MAX", 10)
    searcher = search.Searcher.open(CORPUS, tmp_path / "idx", embedder=FakeEmbedder())
    release = threading.Event()
    real_pairs = searcher.pair_scorer.pairs

    def slow_pairs(*args, **kwargs):
        release.wait(30)
        return real_pairs(*args, **kwargs)

    monkeypatch.setattr(searcher.pair_scorer, "pairs", slow_pairs)
    cards = group_hits(searcher.ask("Net Promoter Score", top_k=10), searcher.card_keys)
    assert not searcher.concepts_ready()  # answered while the groups are still being computed
    nps = next(c for c in cards if c.best.entry.acronym == "NPS")
    assert len({h.entry.glossary for h in nps.hits}) > 1  # named alike: one card meanwhile too
    related = searcher.related("Net Promoter Score", top_k=5)  # nor does `related`
    assert len(related) == 5 and all(r.entry.acronym != "NPS" for r in related)  # its namesakes left out
    assert not searcher.concepts_ready()
    release.set()
    searcher._concepts_thread.join(30)
    assert searcher.concepts_ready() and searcher.duplicates()
def test_morphological_variants_of_one_name_are_one_name():
    assert same_name(E(1, "Abandon Rate", "a", glossary="mine"), E(2, "Abandonment Rate", "b"))
    assert same_name(E(1, "Customer Journey Mapping", "a"), E(2, "Customer Journey Map", "b"))
    assert not same_name(E(1, "Abandoned Call Rate", "a"), E(2, "Abandonment Rate", "b"))  # another name
    assert not same_name(E(1, "Average Handle Time", "a"), E(2, "Average Response Time", "b"))
    # One compound written closed, hyphenated or open is one name.
    assert same_name(E(1, "Omni-channel", "a", glossary="mine"), E(2, "Omnichannel", "b"))
    assert same_name(E(1, "Call Back", "a", glossary="mine"), E(2, "Callback", "b"))
    assert not same_name(E(1, "Omni-channel", "a", glossary="mine"), E(2, "Omnichannel Support", "b"))


def test_an_acronym_only_term_goes_by_the_name_its_definition_spells_out():
    """Acronym lists write 'CPA' and define it 'Cost per Acquisition: ...': that name is the entry's too, in
    its names text (the names vector and the keyword index), when its initials spell the acronym."""
    from glossary_search.identity import spelled_out
    from glossary_search.texts import names_text

    cpa = E(1, "CPA", "Cost per Acquisition: what it costs to win one new customer.")
    assert spelled_out(cpa) == "Cost per Acquisition" and "Cost per Acquisition" in names_text(cpa)
    assert spelled_out(E(2, "CVO", "Contact volume offered, i.e. the contacts presented")) == "Contact volume offered"
    assert spelled_out(E(3, "AHT", "The average time a contact takes: talk, hold and wrap-up.")) is None
    assert spelled_out(E(4, "CSAT", "Customer Satisfaction Score: how pleased customers are.")) is None  # not CSS
    assert spelled_out(E(5, "Average Handle Time", "Average Handle Time: the mean time.")) is None  # no acronym
    assert names_text(E(6, "AHT", "The mean time.")) == "AHT"


def test_acronyms_and_initials_are_candidates_only():
    aht = E(1, "AHT", "mean time an agent spends on a contact", glossary="mine")
    handle = E(2, "Average Handle Time", "mean time per contact", "AHT")
    acd = E(3, "Automatic Call Distributor", "routes calls to agents")  # no acronym given: ACD by initials
    acd_only = E(4, "ACD", "system that routes incoming calls", glossary="mine")
    rep, responsibility = E(5, "Customer Service Representative", "z", "CSR"), E(6, "Corporate Social Responsibility", "w", "CSR")
    self_service = E(7, "Self-Service", "customers help themselves")
    two = E(8, "Customer Success", "helping customers succeed")  # CS: too short to count
    cs_only = E(9, "CS", "customer service", glossary="mine")
    entries = [aht, handle, acd, acd_only, rep, responsibility, self_service, two, cs_only]
    assert is_acronym("AHT") and is_acronym("CCaaS") and is_acronym("VoIP") and not is_acronym("Self-Service")
    assert initials(acd) == {"acd"} and initials(handle) == set() and initials(E(1, "Cost per Contact", "x")) == {"cpc"}
    assert not same_name(aht, handle)  # an acronym alone is not a name match...
    assert acronym_links(entries) == [(0, 1), (2, 3), (4, 5)]  # ...only a candidate, CSR included


def test_an_acronym_candidate_is_one_concept_only_when_the_definitions_agree():
    entries = [E(1, "AHT", "a", glossary="mine"), E(2, "Average Handle Time", "b", "AHT"),
               E(3, "CSR", "c", glossary="mine"), E(4, "Corporate Social Responsibility", "d", "CSR")]
    definitions = np.stack([unit(1, 0.2, 0), unit(1, 0, 0), unit(0, 1, 0), unit(0, 0.2, 1)])
    names = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1), unit(1, 1, 1)])
    scorer = PairScorer(entries, EntryViews(definitions, names), agree=0.35)
    t = Thresholds(same=0.5, related=0.3)
    assert (scorer.pair(0, 1, t).band, scorer.pair(0, 1, t).basis) == ("same", "named")  # agreeing definitions
    apart = scorer.pair(2, 3, t)
    assert apart is None or apart.basis == "meaning"  # 0.20 cosine: two things that share letters
    assert scorer.classes[2] != scorer.classes[3]


def test_names_abbreviated_differently_are_at_most_related():
    """FRT and ART (initials of 'Average Response Time') name two measures, however close the definitions;
    nested names (AFRT, FRT) are left to their heads."""
    entries = [E(1, "First Response Time", "time until the first reply to a customer", "FRT"),
               E(2, "Average Response Time", "mean time until a reply to a customer"),
               E(3, "Average First Response Time", "mean time until the first reply")]
    close = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(1, 0.02, 0)])
    scorer = PairScorer(entries, EntryViews(close, close))
    t = Thresholds(same=0.5, related=0.3)
    assert scorer.pair(0, 1, t).evidence >= t.same
    assert (scorer.pair(0, 1, t).band, scorer.pair(0, 1, t).basis) == ("related", "acronyms")
    assert scorer.pair(0, 2, t).band == "same"  # 'First Response Time' nests in 'Average First Response Time'
    groups = concept_groups(entries, scorer.pairs(t))
    assert all({e.term for e in g.entries} != {"First Response Time", "Average Response Time"}
               for g in groups if g.band != "related")


def test_an_acronym_of_part_of_a_term_names_that_part_and_the_whole_is_a_narrower_kind():
    """'Contact Center Customer Relationship Management (CRM)' abbreviates as CRM only its part: it is CRM
    in a contact center. It is not named one with 'Customer Relationship Management (CRM)' nor with 'CRM',
    and by meaning it is at most related; an acronym of no part ('CSAT') or of the whole stays the entry's."""
    from glossary_search.identity import abbreviates_part, narrows

    qualified = E(1, "Contact Center Customer Relationship Management", "CRM software used in a call center", "CRM")
    crm = E(2, "Customer Relationship Management", "software and practice of managing customers", "CRM", glossary="g2")
    crm_only = E(3, "CRM", "systems that record interactions with customers", glossary="g3")
    assert abbreviates_part(qualified) and not abbreviates_part(crm)
    assert not abbreviates_part(E(4, "Customer Satisfaction Score", "x", "CSAT"))
    assert not abbreviates_part(E(5, "Cost per Contact", "x", "CPC"))
    assert narrows(qualified, crm) and narrows(qualified, crm_only) and not narrows(crm, qualified)
    assert not same_name(qualified, crm) and name_links([qualified, crm]) == []
    assert acronym_links([qualified, crm, crm_only]) == [(1, 2)]  # the CRM-only term meets CRM, not its kind
    close = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(1, 0.1, 0)])
    scorer = PairScorer([qualified, crm, crm_only], EntryViews(close, close))
    t = Thresholds(same=0.5, related=0.3)
    assert scorer.classes[1] == scorer.classes[2] != scorer.classes[0]
    capped = scorer.pair(0, 1, t)
    assert capped.evidence >= t.same and (capped.band, capped.basis) == ("related", "narrower")


def test_a_name_with_an_ordinal_it_alone_has_names_one_occurrence_and_is_at_most_related():
    """'First Response Time' is the time to one response, the first: a narrower measure than 'Response Time'
    (six blind labelers, four sets, called such pairs related), however close the definitions; both counting
    the first ('Average First Response Time') leaves them to the evidence."""
    from glossary_search.identity import counts_one

    first = E(1, "First Response Time", "time until the first reply to a customer", "FRT")
    plain = E(2, "Response Time", "time until a customer gets a reply", glossary="g2")
    average = E(3, "Average First Response Time", "average time until the first reply", glossary="g3")
    assert counts_one(first, plain) and counts_one(plain, first) and counts_one(plain, average)
    assert counts_one(E(4, "First Contact Resolution", "x"), E(5, "Contact Resolution", "y"))
    assert not counts_one(first, average)  # both count the first
    assert not counts_one(plain, E(6, "Average Response Time", "x"))  # no ordinal: left to the evidence
    assert not counts_one(first, E(7, "First Call", "x"))  # not nested
    close = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(1, 0.1, 0)])
    scorer = PairScorer([first, plain, average], EntryViews(close, close))
    t = Thresholds(same=0.5, related=0.3)
    capped = scorer.pair(0, 1, t)
    assert capped.evidence >= t.same and (capped.band, capped.basis) == ("related", "narrower")
    assert scorer.pair(0, 2, t).band in ("same", "identical")


def test_a_name_a_definition_states_is_a_candidate_that_counts_when_the_definitions_agree():
    """'Also known as ... agents' and 'also called a (call center) representative, rep or CSR' name the concept
    in so many words: the bare 'Agent' meets the representatives, never Corporate Social Responsibility."""
    from glossary_search.identity import candidate_links, stated_links, stated_names

    reps = E(1, "Customer Service Representatives", "A person employed to help customers. Also known as Customer "
             "Service Specialists (CSS), agents, advisors, etc.", "CSR", glossary="g1")
    agent = E(2, "Agent", "A person who handles customer contacts.", glossary="g2")
    ccmath = E(3, "Agent", "Someone employed in a call center; also called a (call center) representative, rep or CSR.",
               glossary="g3")
    responsibility = E(4, "Corporate Social Responsibility", "Giving back to society.", "CSR", glossary="g4")
    care = E(5, "Customer Care", "Also known as customer service or client service, this refers to helping "
             "customers before and after a purchase.", glossary="g1")
    assert stated_names(reps) == ({"customservicspecialist", "agent", "advisor"}, {"css"})  # compact_key
    assert stated_names(ccmath) == ({"callcenterrepres", "repres", "rep"}, {"csr"})
    assert stated_names(care) == ({"customservic", "clientservic"}, set())
    assert stated_names(agent) == (set(), set())
    sub_sense = E(6, "Real-Time Adherence", "How well agents keep to schedule: when they were available "
                  "(also called compliance or adherence).")
    assert stated_names(sub_sense) == (set(), set())  # in brackets it names what it follows, not the entry
    entries = [reps, agent, ccmath, responsibility]
    assert stated_links(entries) == [(0, 1), (0, 2), (2, 3)]  # one per distinct term; CSR both ways
    assert set(stated_links(entries)) <= set(candidate_links(entries))
    # The representatives and both agents describe one person; Corporate Social Responsibility does not.
    definitions = np.stack([unit(1, 0.3, 0), unit(1, 0, 0), unit(1, 0.4, 0), unit(0, 0.1, 1)])
    names = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 1, 0), unit(0, 0, 1)])
    scorer = PairScorer(entries, EntryViews(definitions, names))
    t = Thresholds(same=0.5, related=0.3)
    assert len({scorer.classes[i] for i in (0, 1, 2)}) == 1 and scorer.classes[3] != scorer.classes[0]
    assert (scorer.pair(0, 1, t).band, scorer.pair(0, 1, t).basis) == ("same", "named")
    apart = scorer.pair(2, 3, t)
    assert apart is None or apart.basis == "meaning"


def test_terms_one_glossary_defines_apart_need_more_evidence_to_be_one_concept():
    """'Skill Group' and 'Skill Set' in one glossary: its author meant two concepts, so by meaning they are
    'same' only t.apart above t.same. The same evidence across glossaries is 'same'; namesakes take the
    whole class along ('Agent Utilization' of g2 is defined apart from g1's 'Agent Productivity' through its
    namesake in g1); copies are still reported."""
    entries = [E(1, "Skill Group", "agents who share a set of skills", glossary="g1"),
               E(2, "Skill Set", "the skills an agent has", glossary="g1"),
               E(3, "Skill Set", "the skills an agent has", glossary="g2"),
               E(4, "Skills Matrix", "agents who share a set of skills", glossary="g3")]
    definitions = np.stack([unit(1, 0.45, 0), unit(1, 0, 0.45), unit(1, 0, 0.45), unit(1, 0.45, 0.05)])
    names = np.stack([unit(1, 0.3, 0), unit(1, 0, 0.3), unit(1, 0, 0.3), unit(1, 0.3, 0)])
    scorer = PairScorer(entries, EntryViews(definitions, names))
    t = Thresholds(same=0.5, related=0.3, apart=0.2)
    apart = scorer.pair(0, 1, t)
    assert t.same <= apart.evidence < t.same + t.apart
    assert (apart.band, apart.basis) == ("related", "apart")
    across = scorer.pair(0, 2, t)  # g2's Skill Set is g1's namesake: the class is defined apart from Skill Group
    assert (across.band, across.basis) == ("related", "apart")
    assert scorer.pair(1, 3, t).band == "same"  # no glossary holds both Skill Set and Skills Matrix
    assert scorer.pair(0, 3, t).band == "identical"  # one wording under two names, in two glossaries
    lenient = Thresholds(same=0.5, related=0.3, apart=0.0)
    assert scorer.pair(0, 1, lenient).band == "same"
    copies = PairScorer([entries[0], E(2, "Skill Set", entries[0].definition, glossary="g1")],
                        EntryViews(definitions[:2], names[:2]))
    assert copies.pair(0, 1, t).band == "identical"
    nesting = PairScorer([E(1, "Skill Group", "agents who share a set of skills", glossary="g1"),
                          E(2, "Skill Group Routing", "the skills an agent has", glossary="g1")],
                         EntryViews(definitions[:2], names[:2]))
    assert not nesting.defined_apart(0, 1)  # nested names are left to their heads


def test_names_one_generic_word_apart_count_as_one_name():
    """'Call Abandonment Rate' and 'Abandonment Rate': 'call' is in the glossaries' definitions all over, so it
    narrows the name little, and the two names count as one (names cosine 1) while the definitions still have
    to agree. 'Remote Agent' is a kind of agent ('remote' is in no definition); 'Call Queue Time' ends on
    another word than 'Call Queue'. Such pairs are compared even when they are not near neighbours."""
    entries = [E(1, "Abandonment Rate", "share of calls the caller ends before an answer", glossary="g1"),
               E(2, "Call Abandonment Rate", "percentage of calls dropped by callers while waiting", glossary="g2"),
               E(3, "Agent", "a person who answers calls", glossary="g1"),
               E(4, "Remote Agent", "a person who answers calls from home", glossary="g2"),
               E(5, "Call Queue", "calls waiting for a person", glossary="g1"),
               E(6, "Call Queue Time", "how long calls wait", glossary="g2")]
    definitions = np.stack([unit(1, 0.3, 0), unit(1, 0, 0.3)] * 3)
    names = np.stack([unit(1, 0.6, 0), unit(1, 0, 0.6)] * 3)
    scorer = PairScorer(entries, EntryViews(definitions, names), neighbours=np.zeros((0, 2), dtype=np.int64))
    raw = float(names[0] @ names[1])
    assert raw < 0.8 and scorer.cosines(0, 1)[1] == 1.0
    assert scorer.cosines(2, 3)[1] == pytest.approx(float(names[2] @ names[3]))  # a rare word makes a kind
    assert scorer.cosines(4, 5)[1] == pytest.approx(float(names[4] @ names[5]))  # another head
    plain = evidence(float(definitions[0] @ definitions[1]), raw, scorer.overlap(0, 1))
    boosted = scorer.between(0, 1)
    assert boosted > plain
    t = Thresholds(same=(plain + boosted) / 2, related=0.3)
    found = {(p.a.term, p.b.term): p.band for p in scorer.pairs(t)}  # no neighbours given: found by name
    assert found[("Abandonment Rate", "Call Abandonment Rate")] == "same"
    disagree = PairScorer(entries[:2], EntryViews(np.stack([unit(1, 0, 0), unit(0, 1, 0)]), names[:2]))
    assert disagree.pair(0, 1, t) is None or disagree.pair(0, 1, t).band != "same"  # definitions still count


def test_definitions_worded_alike_about_different_numbers_are_at_most_related():
    """Promoter (9 or 10) and Detractor (0 to 6) share every word but their numbers: two bands of one scale."""
    from glossary_search.concepts import different_numbers

    assert different_numbers("A customer who answers 9 or 10.", "A customer who answers 0 to 6.")
    assert not different_numbers("Answered within 20 seconds.", "Share answered in 20 seconds (80/20).")
    assert not different_numbers("A customer who answers 9 or 10.", "A happy customer.")  # one gives none
    entries = [E(1, "Promoter", "A customer whose answer on the scale is 9 or 10.", glossary="g1"),
               E(2, "Detractor", "A customer whose answer on the scale is between 0 and 6.", glossary="g1")]
    same = np.stack([unit(1, 0, 0), unit(1, 0.05, 0)])
    pair = PairScorer(entries, EntryViews(same, same)).pair(0, 1, Thresholds(same=0.5, related=0.3))
    assert (pair.band, pair.basis) == ("related", "numbers")
