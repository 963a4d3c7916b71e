#!/usr/bin/env python
"""Print search quality (hit@k, MRR@10) and duplicate detection (precision/recall) on eval/.

Usage: python scripts/evaluate.py [--model mpnet|minilm|NAME] [--txtai PYTHON] [--sweep] [--calibrate] [--misses]
       python scripts/evaluate.py --real-only   # near duplicates on the real glossaries only
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
from glossary_search.embedder import BACKENDS, DEFAULT_BACKEND  # noqa: E402
from glossary_search.search import Searcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="Also sweep fusion weights and thresholds (tune split).")
    parser.add_argument("--misses", action="store_true", help="List tune-split questions not answered at rank 1.")
    parser.add_argument("--calibrate", action="store_true", help="Print the strength-label cut-offs on tune.")
    parser.add_argument("--scheme", default=None, help="Entry text scheme to evaluate (default: the product's).")
    parser.add_argument("--index", default=None, help="Index folder (default: index/; use another for --scheme).")
    parser.add_argument("--real-only", action="store_true",
                        help="Only the near-duplicate figures on the real glossaries (eval/real-glossaries).")
    parser.add_argument("--model", default=None, help="Embedding model: mpnet (default), minilm, or any name/path.")
    parser.add_argument("--backend", default=None, help=f"{' or '.join(BACKENDS)} (default: {DEFAULT_BACKEND}).")
    parser.add_argument("--txtai", default=None, metavar="PYTHON",
                        help="A Python with txtai installed (a scratch venv): adds txtai's hybrid search over the "
                             "same entries, questions and model as a baseline in the same run.")
    parser.add_argument("--no-question-adapter", action="store_true",
                        help="Encode questions with the base model, as entries are (the figures before the adapter).")
    args = parser.parse_args()

    kwargs = {"scheme": args.scheme} if args.scheme else {}
    embedder = None
    if args.no_question_adapter:
        from glossary_search.embedder import SentenceTransformerEmbedder
        embedder = SentenceTransformerEmbedder(args.model, backend=args.backend, question_adapter=False)
    searcher = Searcher.open(index_dir=args.index, model=args.model, backend=args.backend, embedder=embedder,
                             notify=lambda m: print(m, file=sys.stderr), **kwargs)
    if args.real_only:
        print(f"Model: {searcher.embedder.model_id}")
        print_real(searcher)
        return
    questions = ev.load_questions(ROOT / "eval")
    ev.check_answers(searcher, questions)
    counts = {s: sum(q.split == s and q.answerable for q in questions) for s in ev.SPLITS}
    questions_by = getattr(searcher.embedder, "question_model_id", None)
    print(f"Model: {searcher.embedder.model_id} ({getattr(searcher.embedder, 'backend', 'n/a')}); questions: "
          f"{'with the question adapter' if questions_by else 'the same model'}\n")
    print(f"## Search quality ({' / '.join(f'{n} {s}' for s, n in counts.items())} answerable questions)\n")
    print("| ranking | split | hit@1 | hit@3 | hit@5 | MRR@10 |")
    print("|---|---|---|---|---|---|")
    for mode, weights in ev.MODES.items():
        for split, m in ev.evaluate_search(searcher, questions, weights).items():
            print(f"| {mode} | {split} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} |")

    if args.txtai:
        for split, m in txtai_metrics(args.txtai, searcher, questions).items():
            print(f"| txtai hybrid | {split} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} |")

    print(f"\n## By question kind (the blind splits together: {', '.join(ev.BLIND)})\n")
    print("| kind | questions | hit@1 | hit@5 | MRR@10 |")
    print("|---|---|---|---|---|")
    for kind, m in ev.metrics_by_kind(searcher, questions).items():
        print(f"| {kind} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr@10']:.3f} |")

    print("\n## Strength labels (first result; 'No close match' = first result labelled weak)\n")
    print("| split | 'strong' first results right | 'No close match', unanswerable | 'No close match', answerable "
          "| lists where a label rises |")
    print("|---|---|---|---|---|")
    for split, m in ev.evaluate_strength(searcher, questions).items():
        def cell(share, n):
            return "n/a" if share is None else f"{share:.3f} (n={n})"
        print(f"| {split} | {cell(m['strong_right'], m['n_strong'])} | "
              f"{cell(m['no_match_unanswerable'], m['n_unanswerable'])} | "
              f"{cell(m['no_match_answerable'], m['n_answerable'])} | {m['rising_lists']} |")

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
    if args.calibrate:
        sweep = ev.calibration_sweep(searcher, questions)
        print("\n## 'No close match' cut-off on the best dense cosine (tune)\n")
        for cut, answerable, unanswerable in sweep["close"]:
            print(f"- close >= {cut:.2f}: No close match on {answerable:.3f} of answerable, {unanswerable:.3f} of unanswerable")
        print("\n## 'Strong' cut-off on the fused score (tune, first results)\n")
        for cut, right, n in sweep["strong"]:
            print(f"- strong >= {cut:.2f}: {right:.3f} right of {n}")
    if args.sweep:
        print("\n## Fusion weight sweep (tune split, best 8)\n")
        for fusion, w, m in ev.sweep_weights(searcher, questions)[:8]:
            print(f"- {fusion} {w}: hit@1 {m['hit@1']:.3f} hit@5 {m['hit@5']:.3f} MRR {m['mrr@10']:.3f}")
        print("\n## Pseudo-relevance feedback sweep (tune split, best 6; the model's own weights)\n")
        for fb, m in ev.sweep_feedback(searcher, questions)[:6]:
            setting = "none" if fb is None else f"k={fb.k}, weight={fb.weight}"
            print(f"- {setting}: hit@1 {m['hit@1']:.3f}, hit@5 {m['hit@5']:.3f}, MRR@10 {m['mrr@10']:.3f}")
        print("\n## 'Same concept' evidence threshold sweep (tune split)\n")
        for t, m in ev.sweep_thresholds(searcher, pairs):
            print(f"- same >= {t.same:.2f}: P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")


def print_real(searcher) -> None:
    """Near duplicates on glossaries nobody tuned on, each set imported into a scratch copy of the corpus."""
    # Held-out near-duplicate sets: real public glossaries written into our schema, and blind labels of their
    # pairs with the corpus and each other (README: which sets are studied, which blind).
    for split, folder, labels in ev.real_sets(ROOT / "eval"):
        real = sorted(folder.glob("*.yaml"))
        work = ROOT / "index" / f"eval-{split}"
        scratch = ev.corpus_with(ROOT / "corpus", real, work / "corpus")
        combined = Searcher.open(scratch, work / "index", model=searcher.embedder.model_id,
                                 notify=lambda m: print(m, file=sys.stderr))
        ev.check_pairs(combined, labels)
        pairs = ev.load_pairs(labels)
        added = {g.id for g in combined.corpus.glossaries} - {g.id for g in searcher.corpus.glossaries}
        print(f"\n## Near duplicates on real glossaries nobody tuned on: {split} (eval/{folder.name}, {len(real)} "
              f"glossaries, {sum(len(combined.corpus.glossary(g).entries) for g in added)} entries added to the "
              f"corpus; {len(pairs)} blind-labeled pairs)\n")
        print("| split | pairs | labeled same | called same | wrongly same | precision | recall | F1 |")
        print("|---|---|---|---|---|---|---|---|")
        m = ev.evaluate_duplicates(combined, pairs)[split]
        figures = " | ".join("n/a" if m[k] is None else f"{m[k]:.3f}" for k in ("precision", "recall", "f1"))
        print(f"| {split} | {m['n']} | {m['labeled_same']} | {m['called_same']} | {m['wrongly_same']} | {figures} |")
        every = [*ev.load_pairs(ROOT / "eval" / "duplicates.yaml"), *pairs]
        for what, touching in ((f"the whole corpus (5 + {len(real)} glossaries)", None),
                               ("pairs touching the new glossaries", added)):
            counts = ev.reported_pairs(combined, every, touching=touching)
            called = sum(counts.values())
            share = f"{counts['same'] / called:.2f}" if called else "n/a"
            print(f"\nOver {what} the product calls {called} pairs 'same': "
                  + ", ".join(f"{n} labeled {label}" if label != "unlabeled" else f"{n} unlabeled"
                              for label, n in counts.items()) + f" (labeled same: {share}).")


def txtai_metrics(python: str, searcher, questions) -> dict:
    """Run scripts/txtai_baseline.py in txtai's environment with the searcher's model folder; score its rankings."""
    import json
    import subprocess
    import tempfile

    from glossary_search.embedder import resolve_model

    _, folder = resolve_model(searcher.embedder.model_id)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([q.text for q in questions], f)
    out = subprocess.run([python, str(ROOT / "scripts" / "txtai_baseline.py"), folder, str(ROOT / "corpus"), f.name],
                         check=True, capture_output=True, text=True).stdout
    Path(f.name).unlink()
    ranked = {q.text: [tuple(x) for x in r] for q, r in zip(questions, json.loads(out))}
    return ev.metrics_by_split(lambda q: ranked[q.text], questions)


if __name__ == "__main__":
    main()
