"""Train the question adapter of all-mpnet-base-v2: a LoRA on the question side only (entries keep the base
model's vectors, so the index and the near-duplicate figures do not move).

Training data comes only from the real public glossaries in eval/real-glossaries*/ and their same-concept
labels, never from the corpus or any evaluation question: each entry's definition, with the words of its
own names taken out, stands in for a manager describing the concept without naming it; the answer is
another glossary's entry for the same concept (labels in eval/duplicates-real*.yaml, joined through the
corpus entries they name), ranked against every other real entry. So the figures measured on the corpus's
questions are those of glossaries the adapter never saw.

    python scripts/train_question_adapter.py            # writes glossary_search/adapters/<name>/
    python scripts/train_question_adapter.py --check    # trains aside and prints the SHA-256 to pin

Needs peft (`pip install peft`); about 3 minutes on 2 CPU cores. The written adapter's SHA-256 is pinned in
glossary_search/models.py: update it when the adapter is retrained.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from glossary_search import evaluation as ev  # noqa: E402
from glossary_search import models  # noqa: E402
from glossary_search.texts import entry_rows  # noqa: E402

WORD = re.compile(r"[A-Za-z0-9']+")
SENTENCE_END = re.compile(r"(?<=[.;!?])\s")


def real_entries(eval_dir: Path) -> dict:
    """Every entry of the real glossary sets, imported as a user would, by the id the labels use."""
    from glossary_search.corpus import load_corpus

    entries = {}
    with tempfile.TemporaryDirectory() as scratch:
        empty = Path(scratch) / "empty"
        empty.mkdir()
        for split, folder, _ in ev.real_sets(eval_dir):
            corpus = load_corpus(ev.corpus_with(empty, sorted(folder.glob("*.yaml")), Path(scratch) / split))
            entries.update({e.id: e for e in corpus.entries})
    return entries


def same_concept(eval_dir: Path, entries: dict) -> dict[str, set[str]]:
    """For each real entry, the other real entries labeled the same concept (directly, or through a corpus
    entry both were labeled the same as)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, _, labels in ev.real_sets(eval_dir):
        for pair in ev.load_pairs(labels):
            if pair.label == "same":
                parent[root(pair.a)] = root(pair.b)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return {x: (group & entries.keys()) - {x} for group in groups.values() for x in group if x in entries}


def unnamed(entry, text: str, max_words: int = 22) -> str:
    """`text` without the words of the entry's own names (a plural or possessive counts), first clause."""
    names = [entry.term, *entry.aliases, *([entry.acronym] if entry.acronym else [])]
    own = {w.lower() for name in names for w in WORD.findall(name) if len(w) > 2}
    first = SENTENCE_END.split(text.strip())[0]
    kept = [w for w in first.split() if w.strip(".,;:()'s").lower() not in own and w.strip(".,;:()").lower() not in own]
    return " ".join(kept[:max_words]).strip(" ,;:.")


def pseudo_questions(entry) -> list[str]:
    """A definition's first sentence without the entry's names, its next sentences likewise, and the first
    ten words: what a description of the concept that does not name it looks like."""
    sentences = SENTENCE_END.split(entry.definition.strip())
    first = unnamed(entry, entry.definition)
    found = [first]
    if len(sentences) > 1:
        found.append(unnamed(entry, " ".join(sentences[1:])))
    found.append(" ".join(first.split()[:10]))
    return [q for q in dict.fromkeys(found) if len(q.split()) >= 3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="Adapter folder (default: the package's).")
    parser.add_argument("--check", action="store_true", help="Train into a scratch folder and print its hash.")
    parser.add_argument("--rank", type=int, default=models.QUESTION_ADAPTER_RANK)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import numpy as np
    import torch
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import SentenceTransformer

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    eval_dir = ROOT / "eval"
    entries = real_entries(eval_dir)
    others = same_concept(eval_dir, entries)
    ids = sorted(entries)
    position = {x: i for i, x in enumerate(ids)}
    examples = [(q, [position[y] for y in others[x]], position[x])
                for x in ids if others.get(x) for q in pseudo_questions(entries[x])]
    print(f"{len(entries)} real entries; {len(examples)} pseudo-questions from the "
          f"{sum(bool(others.get(x)) for x in ids)} that another glossary also defines.", file=sys.stderr)

    model = SentenceTransformer(str(models.mpnet_folder(notify=print)), device="cpu")
    rows, owner = [], []
    for i, x in enumerate(ids):
        for row in entry_rows(entries[x]):
            rows.append(row.text)
            owner.append(i)
    with torch.no_grad():  # the entries' side stays the base model: what the index holds
        targets = torch.tensor(model.encode(rows, batch_size=32, normalize_embeddings=True, show_progress_bar=True))
    owner_t = torch.tensor(np.asarray(owner))

    transformer = model[0]
    config = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.1, target_modules=["q", "k", "v", "o"])
    transformer.model = get_peft_model(transformer.model, config)
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    model.train()
    batch_size = 16
    for epoch in range(args.epochs):
        random.shuffle(examples)
        started, total = time.time(), 0.0
        for start in range(0, len(examples), batch_size):
            batch = examples[start:start + batch_size]
            features = model.preprocess([q for q, _, _ in batch])
            questions = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=1)
            by_row = questions @ targets.T
            # An entry scores its best row, as in search (texts.entry_rows: full, names, definition).
            scores = torch.full((len(batch), len(ids)), -1e4).scatter_reduce(
                1, owner_t.expand(len(batch), -1), by_row, "amax")
            logits = scores / args.temperature
            answer = torch.zeros_like(logits, dtype=torch.bool)
            source = torch.zeros_like(answer)
            for r, (_, positives, me) in enumerate(batch):
                answer[r, positives] = True
                source[r, me] = True  # the entry the question was made from is neither answer nor distractor
            logits = logits.masked_fill(source, -1e4)
            loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~answer, -1e4), 1)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total / len(examples):.3f} ({time.time() - started:.0f} s)",
              file=sys.stderr)

    out = args.out or (Path(tempfile.mkdtemp()) if args.check else models.QUESTION_ADAPTER_DIR)
    transformer.model.peft_config["default"].base_model_name_or_path = models.MPNET.model_id  # not a local path
    transformer.model.save_pretrained(str(out))
    (out / "README.md").unlink(missing_ok=True)  # peft's blank model card
    weights = out / "adapter_model.safetensors"
    print(f"Wrote {out}; SHA-256 of {weights.name}: {models.sha256_file(weights)}")


if __name__ == "__main__":
    main()
