#!/usr/bin/env python
"""The peer baseline: txtai's hybrid search (dense + BM25) over the same entries, questions and model.

Runs in a scratch environment that has txtai (never a product dependency); scripts/evaluate.py --txtai
calls it and scores its rankings beside the product's in the same run. Standalone on purpose: it reads
the corpus and the questions as plain YAML so txtai's environment needs nothing of ours.

Usage: PYTHON-WITH-TXTAI scripts/txtai_baseline.py MODEL_FOLDER CORPUS_DIR QUESTIONS.json > rankings.json
(QUESTIONS.json: a JSON list of question texts; prints a JSON list of top-10 [glossary, term] lists.)
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def entries(corpus: Path) -> list[tuple[str, str, str]]:
    """(glossary, term, text) per entry; the text is term + acronym + aliases + definition, as txtai is
    usually fed a glossary."""
    import yaml

    out = []
    for path in sorted(corpus.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "entries" not in data:
            continue
        for e in data["entries"]:
            names = [e["term"], e.get("acronym") or "", *(e.get("aliases") or [])]
            out.append((data["id"], e["term"], f"{' '.join(n for n in names if n)}: {e['definition']}"))
    return out


def main() -> None:
    asked = sys.argv[1:2] in (["-h"], ["--help"])
    if asked or len(sys.argv) != 4:  # before importing txtai, so the usage shows in any environment
        print(__doc__.strip(), file=sys.stdout if asked else sys.stderr)
        sys.exit(0 if asked else 2)
    from txtai import Embeddings

    model, corpus, questions_file = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    rows = entries(corpus)
    embeddings = Embeddings(path=model, content=True, hybrid=True)
    embeddings.index([(str(i), text, None) for i, (_, _, text) in enumerate(rows)])
    out = []
    for question in json.loads(questions_file.read_text(encoding="utf-8")):
        found = embeddings.search(question, 10)
        out.append([list(rows[int(r["id"])][:2]) for r in found])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
