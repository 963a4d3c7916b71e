"""The `glossary-search` command: build, ask, related, duplicates, check.

Typed errors from the library become one line on stderr: exit 2 for bad usage, 1 for failures.
"""
from __future__ import annotations

import json
import shutil
import sys
import textwrap
from functools import wraps
from pathlib import Path

import click

from .errors import GlossaryError, UsageError

STRENGTH_MARK = {"strong": "●●●", "good": "●●○", "weak": "●○○"}


class _OneLineErrors(click.Group):
    """Every error, ours or click's, is one line `glossary-search: error: ...` and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        try:
            with self.make_context(prog_name or "glossary-search", args, **extra) as ctx:
                self.invoke(ctx)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("glossary-search: interrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except UsageError as exc:
            _fail(str(exc), 2)
        except GlossaryError as exc:
            _fail(str(exc), 1)
        except KeyboardInterrupt:
            click.echo("glossary-search: interrupted", err=True)
            sys.exit(130)
        sys.exit(0)


def _fail(message: str, code: int) -> None:
    click.echo(f"glossary-search: error: {message.splitlines()[0] if message else 'failed'}", err=True)
    sys.exit(code)


corpus_option = click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), default=None,
                             help="Folder of glossary YAML files (default: the repo's corpus/).")


def common_options(func):
    """--corpus, --index, --model and --backend on every command that searches."""

    @corpus_option
    @click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
                  help="Folder for the index (default: the repo's index/).")
    @click.option("--model", default=None, envvar="GLOSSARY_SEARCH_MODEL",
                  help="Embedding model: mpnet (default, all-mpnet-base-v2), minilm (all-MiniLM-L6-v2, faster), "
                       "or any sentence-transformers name or path.")
    @click.option("--backend", type=click.Choice(["torch", "onnx"]), default="torch", show_default=True,
                  envvar="GLOSSARY_SEARCH_BACKEND",
                  help="Run the model on PyTorch or ONNX Runtime (about 2x faster per question, same answers).")
    @wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def open_searcher(corpus_dir, index_dir, model, backend, rebuild=False):
    from .search import Searcher

    def notify(message: str) -> None:
        click.echo(message, err=True)

    return Searcher.open(corpus_dir, index_dir, model=model, backend=backend, rebuild=rebuild,
                         progress=sys.stderr.isatty(),
                         notify=notify)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="glossary-search")
def cli():
    """Semantic search and Q&A over business glossaries.

    \b
    Examples:
      glossary-search ask "how do I measure wait time"
      glossary-search ask --json AHT "what is NPS"
      glossary-search related "Net Promoter Score"
      glossary-search duplicates --band identical
      glossary-search check
    """


@cli.command()
@common_options
@click.option("--rebuild", is_flag=True, help="Rebuild even when the index is up to date.")
def build(corpus_dir, index_dir, model, backend, rebuild):
    """Build or refresh the index (a no-op when it already matches corpus and model)."""
    searcher = open_searcher(corpus_dir, index_dir, model, backend, rebuild=rebuild)
    c = searcher.corpus
    click.echo(f"Index ready: {len(c.entries)} entries from {len(c.glossaries)} glossaries, "
               f"model {searcher.embedder.model_id} ({searcher.embedder.backend}).")
    for entry in c.unresolved_see():
        click.echo(f"note: {entry.glossary}: '{entry.term}' says 'See {entry.see}', which no glossary defines.",
                   err=True)


@cli.command()
@common_options
@click.argument("questions", nargs=-1, required=True)
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many terms to return per question.")
@click.option("-g", "--glossary", "glossaries", multiple=True,
              help="Only search this glossary id (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question (JSON lines).")
def ask(corpus_dir, index_dir, model, backend, questions, top_k, glossaries, as_json):
    """Answer one or more plain-English questions with the closest terms.

    \b
    Examples:
      glossary-search ask "how do I measure wait time"
      glossary-search ask -k 3 --json "what is NPS" "avrage handel time"
    """
    from .search import clean_question

    for q in questions:  # refuse bad input before paying for the model
        clean_question(q)
    searcher = open_searcher(corpus_dir, index_dir, model, backend)
    for n, question in enumerate(questions):
        answer = searcher.answer(question, top_k=top_k, glossaries=list(glossaries) or None)
        for notice in answer.notices:
            click.echo(f"note: {notice}", err=True)
        if as_json:
            click.echo(json.dumps({"question": question, "results": [hit_json(h) for h in answer.hits]},
                                  ensure_ascii=False))
            continue
        if n:
            click.echo()
        click.secho(f"? {answer.question}", bold=True)
        if not answer.close_match:
            click.echo("  No close match; the nearest terms are:")
        for rank, hit in enumerate(answer.hits, start=1):
            _print_hit(rank, hit)


def hit_json(hit) -> dict:
    e = hit.entry
    return {
        "term": e.term, "acronym": e.acronym, "definition": e.definition, "glossary": e.glossary,
        "score": hit.score, "matched": hit.matched, "matched_text": hit.matched_text,
        "strength": hit.strength, "id": e.id,
    }


def _print_hit(rank: int, hit) -> None:
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    e = hit.entry
    why = f'{hit.matched} "{hit.matched_text}"' if hit.matched_text else hit.matched
    click.echo(f"{rank:>3}. {click.style(e.label, bold=True)}  [{e.glossary}]  "
               f"{STRENGTH_MARK[hit.strength]} {hit.strength} · {why}")
    text = textwrap.shorten(e.definition.replace("\n", " "), 600, placeholder=" …")
    click.echo(textwrap.fill(text, width=width, initial_indent="     ", subsequent_indent="     "))


@cli.command()
@common_options
@click.argument("term")
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many related concepts to list.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per related concept.")
def related(corpus_dir, index_dir, model, backend, term, top_k, as_json):
    """List the concepts nearest to TERM (its own near-duplicates excluded).

    \b
    Examples:
      glossary-search related "Average Handle Time"
      glossary-search related NPS --json
    """
    searcher = open_searcher(corpus_dir, index_dir, model, backend)
    target = searcher.find_entry(term)
    results = searcher.related(target.id, top_k=top_k)
    if not as_json:
        click.secho(f"Related to {target.label} [{target.glossary}]:", bold=True)
    for r in results:
        e = r.entry
        if as_json:
            click.echo(json.dumps({"term": e.term, "acronym": e.acronym, "glossary": e.glossary,
                                   "score": r.score, "definition": e.definition, "id": e.id}, ensure_ascii=False))
        else:
            click.echo(f"  {r.score:.2f}  {e.label}  [{e.glossary}]")


@cli.command()
@common_options
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
              help="Evidence (0-1: mean of definition similarity, name similarity and shared words) needed "
                   "for 'same concept' (default: calibrated, 0.50). Entries named alike (same term, alias, "
                   "acronym or 'See' reference) are one concept at any threshold.")
@click.option("--band", "bands", type=click.Choice(["identical", "same", "related"]), multiple=True,
              help="Only these bands (repeatable; default: identical and same).")
@click.option("-g", "--glossary", "glossaries", multiple=True, help="Only groups touching this glossary id.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per concept group.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as CSV to this file.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as Markdown to this file.")
def duplicates(corpus_dir, index_dir, model, backend, threshold, bands, glossaries, as_json, csv_path, md_path):
    """Find terms defined twice: identical wording, same concept, or closely related.

    \b
    Examples:
      glossary-search duplicates
      glossary-search duplicates --band identical --json
      glossary-search duplicates --csv dupes.csv --markdown dupes.md
    """
    from .report import basis_note, group_json, to_csv, to_markdown

    searcher = open_searcher(corpus_dir, index_dir, model, backend)
    groups = searcher.duplicates(threshold=threshold, bands=list(bands) or ["identical", "same"],
                                 glossaries=list(glossaries) or None)
    for path, text in ((csv_path, to_csv), (md_path, to_markdown)):
        if path:
            _write_report(path, text(groups))
    for g in groups:
        if as_json:
            click.echo(json.dumps(group_json(g), ensure_ascii=False))
            continue
        why = basis_note(g)
        click.secho(f"{g.band:<9} {g.score:.2f}  {g.canonical}" + (f"  ({why})" if why else ""), bold=True)
        for e in g.entries:
            text = textwrap.shorten(" ".join(e.definition.split()), 90, placeholder=" …")
            click.echo(f"            {e.label} [{e.glossary}]: {text}")
    if not as_json:
        click.echo(f"{len(groups)} group(s).", err=True)


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {path}: {exc.strerror}") from exc
    click.echo(f"Wrote {path}", err=True)


@cli.command()
@corpus_option
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of seed texts to check fidelity against (default: <corpus>/sources).")
def check(corpus_dir, sources):
    """Validate the corpus: schema, cross-references, and fidelity to seed texts where present."""
    from .corpus import load_corpus
    from .provenance import fidelity_problems, seed_lines
    from .search import DEFAULT_CORPUS

    corpus = load_corpus(corpus_dir or DEFAULT_CORPUS)
    sources = sources or corpus.root / "sources"
    problems = 0
    for g in corpus.glossaries:
        click.echo(f"{g.id}: {len(g.entries)} entries ({g.path})")
        if g.source and (sources / g.source).is_file():
            for p in fidelity_problems(g, seed_lines(g, sources)):
                problems += 1
                click.echo(f"  problem: {p}", err=True)
    for entry in corpus.unresolved_see():
        click.echo(f"note: {entry.glossary}: '{entry.term}' says 'See {entry.see}', which no glossary defines.")
    if problems:
        raise click.ClickException(f"{problems} fidelity problem(s) found.")


def main() -> None:
    cli.main(prog_name="glossary-search")


if __name__ == "__main__":
    main()
