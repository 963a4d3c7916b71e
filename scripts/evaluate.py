#!/usr/bin/env python
"""Print search quality (hit@k, MRR@10) and duplicate detection (precision/recall) on eval/.

Usage: python scripts/evaluate.py [--sweep] [--misses] [--real-only]
The model is GLOSSARY_SEARCH_MODEL's when set (else the default); its index is rebuilt when it differs.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary_search import evaluation as ev  # noqa: E402
from glossary_search.search import Searcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="Also sweep fusion weights and thresholds (tune split).")
    parser.add_argument("--misses", action="store_true", help="List tune-split questions not answered at rank 1.")
    parser.add_argument("--scheme", default=None, help="Entry text scheme to evaluate (default: the product's).")
    parser.add_argument("--index", default=None, help="Index folder (default: index/; use another for --scheme).")
    parser.add_argument("--real-only", action="store_true",
                        help="Only the near-duplicate figures on the real glossaries (eval/real-glossaries).")
    args = parser.parse_args()

    kwargs = {"scheme": args.scheme} if args.scheme else {}
    searcher = Searcher.open(index_dir=args.index, notify=lambda m: print(m, file=sys.stderr), **kwargs)
    print(f"Model: {searcher.embedder.model_id} (set GLOSSARY_SEARCH_MODEL to evaluate another)\n")
    if args.real_only:
        print_real(searcher)
        return
    questions = ev.load_questions(ROOT / "eval" / "questions.yaml")
    ev.check_answers(searcher, questions)
    counts = {s: sum(q.split == s for q in questions) for s in ev.SPLITS}
    print(f"## Search quality ({' / '.join(f'{n} {s}' for s, n in counts.items())} questions)\n")
    print("| ranking | split | hit@1 | hit@3 | hit@5 | MRR@10 |")
    print("|---|---|---|---|---|---|")
    for mode, weights in ev.MODES.items():
        for split, m in ev.evaluate_search(searcher, questions, weights).items():
            print(f"| {mode} | {split} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} |")

    pairs = ev.load_pairs(ROOT / "eval" / "duplicates.yaml")
    print(f"\n## Near duplicates: 'same concept' at the default thresholds ({len(pairs)} labeled pairs)\n")
    print("| split | pairs | labeled same | called same | wrongly same | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for split, m in ev.evaluate_duplicates(searcher, pairs).items():
        figures = " | ".join("n/a" if m[k] is None else f"{m[k]:.3f}" for k in ("precision", "recall", "f1"))
        print(f"| {split} | {m['n']} | {m['labeled_same']} | {m['called_same']} | {m['wrongly_same']} | {figures} |")
    counts = ev.reported_pairs(searcher, pairs)
    print(f"\nOver the whole corpus the product calls {sum(counts.values())} pairs 'same': "
          + ", ".join(f"{n} labeled {label}" if label != "unlabeled" else f"{n} unlabeled" for label, n in counts.items())
          + ".")

    print_real(searcher)

    if args.misses:
        print("\n## Tune-split misses at rank 1\n")
        for text, ranked in ev.misses(searcher, questions):
            print(f"- {text!r} -> {ranked}")
    if args.sweep:
        print("\n## Fusion weight sweep (tune split, best 8)\n")
        for fusion, w, m in ev.sweep_weights(searcher, questions)[:8]:
            print(f"- {fusion} {w}: hit@1 {m['hit@1']:.3f} hit@5 {m['hit@5']:.3f} MRR {m['mrr@10']:.3f}")
        print("\n## 'Same concept' evidence threshold sweep (tune split)\n")
        for t, m in ev.sweep_thresholds(searcher, pairs):
            print(f"- same >= {t.same:.2f}: P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")


def print_real(searcher) -> None:
    """Near duplicates on glossaries nobody tuned on: three real public glossaries (eval/real-glossaries,
    imported into a scratch copy of the corpus) and blind labels of their pairs with the corpus and each other."""
    real = sorted((ROOT / "eval" / "real-glossaries").glob("*.yaml"))
    scratch = ev.corpus_with(ROOT / "corpus", real, ROOT / "index" / "eval-real" / "corpus")
    combined = Searcher.open(scratch, ROOT / "index" / "eval-real" / "index", model=os.environ.get("GLOSSARY_SEARCH_MODEL"),
                             notify=lambda m: print(m, file=sys.stderr))
    ev.check_pairs(combined, ROOT / "eval" / "duplicates-real.yaml")
    pairs = ev.load_pairs(ROOT / "eval" / "duplicates-real.yaml")
    added = {g.id for g in combined.corpus.glossaries} - {g.id for g in searcher.corpus.glossaries}
    print(f"\n## Near duplicates on real glossaries nobody tuned on ({len(real)} glossaries, "
          f"{sum(len(combined.corpus.glossary(g).entries) for g in added)} entries added to the corpus; "
          f"{len(pairs)} blind-labeled pairs)\n")
    print("| split | pairs | labeled same | called same | wrongly same | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for split, m in ev.evaluate_duplicates(combined, pairs).items():
        if split != "real":
            continue
        figures = " | ".join("n/a" if m[k] is None else f"{m[k]:.3f}" for k in ("precision", "recall", "f1"))
        print(f"| {split} | {m['n']} | {m['labeled_same']} | {m['called_same']} | {m['wrongly_same']} | {figures} |")
    every = [*ev.load_pairs(ROOT / "eval" / "duplicates.yaml"), *pairs]
    for what, touching in (("the whole corpus (5 + 3 glossaries)", None), ("pairs touching the new glossaries", added)):
        counts = ev.reported_pairs(combined, every, touching=touching)
        called = sum(counts.values())
        share = f"{counts['same'] / called:.2f}" if called else "n/a"
        print(f"\nOver {what} the product calls {called} pairs 'same': "
              + ", ".join(f"{n} labeled {label}" if label != "unlabeled" else f"{n} unlabeled"
                          for label, n in counts.items()) + f" (labeled same: {share}).")


if __name__ == "__main__":
    main()
