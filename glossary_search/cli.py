"""The `glossary-search` command: build, ask, related, duplicates, check, import, export.

Typed errors from the library become one line on stderr: exit 2 for bad usage, 1 for failures.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
import unicodedata
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
    say(f"glossary-search: error: {message.splitlines()[0] if message else 'failed'}", err=True)
    sys.exit(code)


# Bidirectional overrides reorder what a terminal shows ("Trojan Source"); C0/C1 controls drive it.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]")


def safe(text: object) -> str:
    """Text from a glossary, a file name or a question, fit for a terminal: control characters (escape
    sequences, bells, carriage returns) and bidirectional overrides removed; line breaks and tabs kept."""
    return "".join(ch for ch in str(text)
                   if ch in "\n\t" or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI))


def say(text: str = "", err: bool = False, **style) -> None:
    """click.echo/secho of text made safe for a terminal."""
    text = safe(text)
    click.echo(click.style(text, **style) if style else text, err=err)


def say_json(obj: dict) -> None:
    """One JSON line, always valid UTF-8: controls JSON leaves raw (C1, bidi, line separators) escaped,
    written as UTF-8 bytes whatever the locale of stdout."""
    line = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False))
    click.echo((line + "\n").encode("utf-8"), nl=False)


def from_argv(text: str) -> str:
    """An argument as text: bytes that were not UTF-8 on the command line (kept by Python as lone
    surrogates) become U+FFFD, so they can be printed and written as JSON."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text)


class _HelpFromCode(click.Option):
    """An option whose help is written when --help is shown, from the constant it names: that constant lives
    in a module too heavy to import for every command (concepts: numpy, scipy, bm25s, half a second)."""

    def __init__(self, *args, help_from, **kwargs):
        super().__init__(*args, **kwargs)
        self.help_from = help_from

    def get_help_record(self, ctx):
        self.help = self.help_from()
        return super().get_help_record(ctx)


def _threshold_help() -> str:
    from .concepts import DEFAULT_THRESHOLDS

    return ("Evidence (0-1: mean of definition similarity, name similarity and shared words) needed for 'same "
            f"concept' (default: calibrated, {DEFAULT_THRESHOLDS.same:.2f}). Entries named alike (same term, alias, "
            "acronym or 'See' reference) are one concept at any threshold.")


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
    @click.option("--backend", type=click.Choice(["onnx", "torch"]), default="onnx", show_default=True,
                  envvar="GLOSSARY_SEARCH_BACKEND",
                  help="Run the model on ONNX Runtime (exported once; about 3x faster per question) or on "
                       "PyTorch: the same vectors and answers.")
    @click.option("--vector-store", default="faiss", show_default=True, envvar="GLOSSARY_SEARCH_VECTOR_STORE",
                  help="Where vectors are searched: faiss (in process) or milvus:<path-or-uri> (a Milvus Lite "
                       "file such as index/milvus.db, or a server such as http://milvus:19530; token in "
                       "GLOSSARY_SEARCH_MILVUS_TOKEN).")
    @wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def open_searcher(corpus_dir, index_dir, model, backend, rebuild=False, vector_store=None):
    from .search import Searcher
    from .stores import parse

    parse(vector_store)  # a bad spec fails before the model loads

    def notify(message: str) -> None:
        say(message, err=True)

    return Searcher.open(corpus_dir, index_dir, model=model, backend=backend, rebuild=rebuild,
                         progress=sys.stderr.isatty(),
                         notify=notify, vector_store=vector_store)


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
def build(corpus_dir, index_dir, model, backend, vector_store, rebuild):
    """Build or refresh the index (a no-op when it already matches corpus and model)."""
    searcher = open_searcher(corpus_dir, index_dir, model, backend, rebuild=rebuild, vector_store=vector_store)
    c = searcher.corpus
    say(f"Index ready: {len(c.entries)} entries from {len(c.glossaries)} glossaries, "
        f"model {searcher.embedder.model_id} ({searcher.embedder.backend}).")
    for entry in c.unresolved_see():
        say(f"note: {entry.glossary}: '{entry.term}' says 'See {entry.see}', which no glossary defines.", err=True)


@cli.command()
@common_options
@click.argument("questions", nargs=-1, required=True)
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many terms to return per question.")
@click.option("-g", "--glossary", "glossaries", multiple=True,
              help="Only search this glossary id (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question (JSON lines).")
def ask(corpus_dir, index_dir, model, backend, vector_store, questions, top_k, glossaries, as_json):
    """Answer one or more plain-English questions with the closest terms.

    \b
    Examples:
      glossary-search ask "how do I measure wait time"
      glossary-search ask -k 3 --json "what is NPS" "avrage handel time"
    """
    from .search import clean_question
    from .shapes import answer_json

    questions = [from_argv(q) for q in questions]
    glossaries = [from_argv(g) for g in glossaries]
    for q in questions:  # refuse bad input before paying for the model
        clean_question(q)
    searcher = open_searcher(corpus_dir, index_dir, model, backend, vector_store=vector_store)
    for n, question in enumerate(questions):
        answer = searcher.answer(question, top_k=top_k, glossaries=glossaries or None)
        for notice in answer.notices:
            say(f"note: {notice}", err=True)
        if as_json:
            say_json(answer_json(question, answer))
            continue
        if n:
            say()
        say(f"? {answer.question}", bold=True)
        if not answer.close_match:
            say("  No close match; the nearest terms are:")
        for rank, hit in enumerate(answer.hits, start=1):
            _print_hit(rank, hit)


def _print_hit(rank: int, hit) -> None:
    width = min(shutil.get_terminal_size((100, 20)).columns, 100)
    e = hit.entry
    why = f'{hit.matched} "{safe(hit.matched_text)}"' if hit.matched_text else hit.matched
    click.echo(f"{rank:>3}. {click.style(safe(e.label), bold=True)}  [{safe(e.glossary)}]  "
               f"{STRENGTH_MARK[hit.strength]} {hit.strength} · {why}")
    text = textwrap.shorten(safe(e.definition).replace("\n", " "), 600, placeholder=" …")
    say(textwrap.fill(text, width=width, initial_indent="     ", subsequent_indent="     "))


@cli.command()
@common_options
@click.argument("term")
@click.option("-k", "--top-k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many related concepts to list.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per related concept.")
def related(corpus_dir, index_dir, model, backend, vector_store, term, top_k, as_json):
    """List the concepts nearest to TERM (its own near-duplicates excluded).

    \b
    Examples:
      glossary-search related "Average Handle Time"
      glossary-search related NPS --json
    """
    from .shapes import related_json

    searcher = open_searcher(corpus_dir, index_dir, model, backend, vector_store=vector_store)
    target = searcher.find_entry(from_argv(term))
    results = searcher.related(target.id, top_k=top_k)
    if not as_json:
        say(f"Related to {target.label} [{target.glossary}]:", bold=True)
    for r in results:
        e = r.entry
        if as_json:
            say_json(related_json(r))
        else:
            say(f"  {r.score:.2f}  {e.label}  [{e.glossary}]")


@cli.command()
@common_options
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
              cls=_HelpFromCode, help_from=_threshold_help)
@click.option("--band", "bands", type=click.Choice(["identical", "same", "related"]), multiple=True,
              help="Only these bands (repeatable; default: identical and same).")
@click.option("-g", "--glossary", "glossaries", multiple=True, help="Only groups touching this glossary id.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per concept group.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as CSV to this file.")
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report as Markdown to this file.")
def duplicates(corpus_dir, index_dir, model, backend, vector_store, threshold, bands, glossaries, as_json,
               csv_path, md_path):
    """Find terms defined twice: identical wording, same concept, or closely related.

    \b
    Examples:
      glossary-search duplicates
      glossary-search duplicates --band identical --json
      glossary-search duplicates --csv dupes.csv --markdown dupes.md
    """
    from .report import basis_note, to_csv, to_markdown
    from .shapes import group_json

    searcher = open_searcher(corpus_dir, index_dir, model, backend, vector_store=vector_store)
    groups = searcher.duplicates(threshold=threshold, bands=list(bands) or ["identical", "same"],
                                 glossaries=[from_argv(g) for g in glossaries] or None)
    for path, text in ((csv_path, to_csv), (md_path, to_markdown)):
        if path:
            _write_report(path, text(groups))
    for g in groups:
        if as_json:
            say_json(group_json(g))
            continue
        why = basis_note(g)
        say(f"{g.band:<9} {g.score:.2f}  {g.canonical}" + (f"  ({why})" if why else ""), bold=True)
        for e in g.entries:
            text = textwrap.shorten(" ".join(safe(e.definition).split()), 90, placeholder=" …")
            say(f"            {e.label} [{e.glossary}]: {text}")
    if not as_json:
        say(f"{len(groups)} group{'' if len(groups) == 1 else 's'}.", err=True)


@cli.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="A browser origin allowed to call the API, e.g. https://desk.example.com (repeatable; "
                   "default: none).")
@click.option("--micro-batch-ms", type=click.FloatRange(min=0.0), default=3.0, show_default=True,
              help="Group questions arriving within this many ms into one encoder call (0: off).")
@click.option("--encoder-threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="CPU threads per encoder call: 1 lets concurrent requests share the cores (README, 'HTTP API').")
def serve(corpus_dir, index_dir, model, backend, vector_store, host, port, cors_origins, micro_batch_ms,
          encoder_threads):
    """Serve the JSON HTTP API (interactive docs at /docs); the model and index load once, here.

    Set GLOSSARY_SEARCH_API_KEY to require that key (X-API-Key header) on every request but /health.

    \b
    Examples:
      glossary-search serve
      glossary-search serve --port 9000 --cors-origin https://desk.example.com
      curl 'http://127.0.0.1:8000/ask?q=what+is+AHT&k=3'
    """
    import os

    import torch

    torch.set_num_threads(encoder_threads)
    searcher = open_searcher(corpus_dir, index_dir, model, backend, vector_store=vector_store)
    if micro_batch_ms > 0:
        from .batching import MicroBatcher

        searcher.embedder = MicroBatcher(searcher.embedder, window_s=micro_batch_ms / 1000)
    from . import store
    from .api import API_KEY_ENV, create_app
    import uvicorn

    api_key = os.environ.get(API_KEY_ENV) or None
    app = create_app(searcher, api_key=api_key, cors_origins=tuple(cors_origins),
                     manifest=store.read_manifest(Path(index_dir) if index_dir else None),
                     vector_store=vector_store or "faiss")
    click.echo(f"glossary-search API at http://{host}:{port} (docs at /docs"
               f"{'; API key required' if api_key else ''}). Ctrl-C stops it.", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False,
                timeout_graceful_shutdown=5)


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {path}: {exc.strerror}") from exc
    say(f"Wrote {path}", err=True)


@cli.command()
@corpus_option
@click.option("--sources", type=click.Path(path_type=Path), default=None,
              help="Folder of seed texts to check fidelity against (default: <corpus>/sources).")
def check(corpus_dir, sources):
    """Validate the corpus: schema, cross-references, and fidelity to seed texts where present."""
    from .corpus import inside, load_corpus, source_path
    from .provenance import fidelity_problems, seed_lines
    from .search import DEFAULT_CORPUS

    corpus = load_corpus(corpus_dir or DEFAULT_CORPUS)
    if sources is None:
        sources = corpus.root / "sources"
        if sources.exists():
            inside(corpus.root, sources)  # a corpus/sources symlinked elsewhere is refused
    problems = 0
    for g in corpus.glossaries:
        say(f"{g.id}: {len(g.entries)} entries ({g.path})")
        # Fidelity is line by line, so it applies to text pages; an imported table or termbase is kept as provenance.
        if source_path(g, sources) and g.source.endswith(".txt"):  # source_path refuses a seed outside sources/
            for p in fidelity_problems(g, seed_lines(g, sources)):
                problems += 1
                say(f"  problem: {p}", err=True)
    for entry in corpus.unresolved_see():
        say(f"note: {entry.glossary}: '{entry.term}' says 'See {entry.see}', which no glossary defines.")
    if problems:
        raise click.ClickException(f"{problems} fidelity problem(s) found.")


def _parse_columns(value: str | None) -> dict[str, str] | None:
    """--columns term=Word,definition=Meaning (header names) or term=1,definition=3 (column numbers)."""
    from .termbase import parse_columns

    try:
        return parse_columns(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc), param_hint="--columns") from exc


@cli.command("import")
@corpus_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "glossary_id", default=None, help="Glossary id (default: from the file name).")
@click.option("--title", default=None, help="Glossary title (default: the TBX title, else from the file name).")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "xlsx", "tbx", "txt", "yaml"]), default=None,
              help="File format (default: from the extension).")
@click.option("--columns", default=None,
              help="Which columns hold what, by header or number: term=Word,definition=3,acronym=Abbr "
                   "(roles: term, definition, acronym, aliases, see; default: found by header names).")
@click.option("--sheet", default=None, help="Excel sheet to read (default: the first).")
@click.option("--lang", default="en", show_default=True, help="TBX language to read (xml:lang).")
@click.option("--encoding", default=None, help="Text encoding of a CSV/TSV/text file (default: UTF-8).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
def import_(corpus_dir, file, glossary_id, title, fmt, columns, sheet, lang, encoding, dry_run):
    """Import a glossary file (CSV, TSV, Excel .xlsx, TBX, a term-line/definition-line text page, or
    another team's YAML in our schema) into the corpus as validated YAML; the file is copied into corpus/sources/ for provenance.

    \b
    Examples:
      glossary-search import team.csv --title "Team Glossary" --dry-run
      glossary-search import terms.xlsx --sheet Glossary --columns term=Name,definition=Meaning
      glossary-search import termbase.tbx --lang en
    """
    from .search import DEFAULT_CORPUS
    from .termbase import add_to_corpus, check_import_size, read_termbase

    try:
        check_import_size(str(file), file.stat().st_size)  # before reading: the file may be huge
        data = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {file}: {exc.strerror}") from exc
    preview = read_termbase(data, file.name, fmt=fmt, glossary_id=glossary_id, title=title,
                            columns=_parse_columns(columns), sheet=sheet, lang=lang, encoding=encoding)
    click.echo(f"{file.name} ({preview.format}): {len(preview.entries)} entries for glossary "
               f"{preview.glossary_id!r} ({preview.title}).")
    if preview.headerless:
        click.echo(f"  {preview.headerless_notice}")
    for s in preview.skipped:
        click.echo(f"  skipped {s.where}: {s.reason}")
    for name in preview.split_acronyms:
        click.echo(f"  acronym split from {name!r}")
    if preview.ignored_columns:
        click.echo(f"  {'fields' if preview.format == 'yaml' else 'columns'} ignored: "
                   f"{', '.join(preview.ignored_columns)}")
    if dry_run:
        for e in preview.entries:
            label = f"{e['term']} ({e['acronym']})" if e.get("acronym") else e["term"]
            click.echo(f"  {label}: " + textwrap.shorten(e["definition"], 80, placeholder=" …"))
        click.echo("Dry run: nothing written.")
        return
    path = add_to_corpus(preview, data, corpus_dir or DEFAULT_CORPUS)
    click.echo(f"Wrote {path} (source copied to {path.parent / 'sources' / preview.source_name}); "
               "the index picks it up on the next search or `glossary-search build`.")


@cli.command()
@common_options
@click.option("--format", "fmt", type=click.Choice(["tbx", "csv", "xlsx", "yaml"]), required=True,
              help="Output format.")
@click.option("--merged", is_flag=True,
              help="One concept per duplicate group (review decisions applied), with every source's term, "
                   "definition and provenance (tbx, csv, xlsx).")
@click.option("-g", "--glossary", "glossaries", multiple=True, help="Only this glossary id (repeatable).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (a folder for yaml of several glossaries); default: standard output.")
def export(corpus_dir, index_dir, model, backend, vector_store, fmt, merged, glossaries, output):
    """Export the glossaries as they are, or merged into concepts, as TBX, CSV, Excel or YAML.

    \b
    Examples:
      glossary-search export --format tbx -g contact-center-faq -o faq.tbx
      glossary-search export --format csv --merged -o concepts.csv
      glossary-search export --format yaml -o exported/
    """
    from .corpus import load_corpus
    from .search import DEFAULT_CORPUS
    from .termbase import export_bytes, glossary_yaml, merged_concepts, write_atomically

    if merged and fmt == "yaml":
        raise click.UsageError("--merged writes tbx, csv or xlsx; yaml exports glossaries as they are.")
    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx needs --output FILE.")
    corpus = load_corpus(corpus_dir or DEFAULT_CORPUS)
    known = [g.id for g in corpus.glossaries]
    unknown = [g for g in glossaries if g not in known]
    if unknown:
        raise UsageError(f"Unknown glossary {unknown[0]!r}; valid glossaries: {', '.join(known)}.")
    chosen = [g for g in corpus.glossaries if not glossaries or g.id in glossaries]
    entries = [e for g in chosen for e in g.entries]
    title = chosen[0].title if len(chosen) == 1 else "Glossaries: " + ", ".join(g.title for g in chosen)
    concepts = []
    if merged:
        searcher = open_searcher(corpus_dir, index_dir, model, backend, vector_store=vector_store)
        groups = searcher.duplicates(bands=["identical", "same"], glossaries=list(glossaries) or None)
        concepts = merged_concepts(entries, [g for g in groups if all(e in entries for e in g.entries)])
        title = f"{title} (merged)"
    if fmt == "yaml":
        if len(chosen) > 1 and output is None:
            raise click.UsageError("--format yaml of several glossaries needs --output FOLDER (one file each).")
        if len(chosen) > 1 or (output is not None and output.is_dir()):
            output.mkdir(parents=True, exist_ok=True)
            targets = [(output / f"{g.id}.yaml", glossary_yaml(g).encode("utf-8")) for g in chosen]
        else:
            targets = [(output, glossary_yaml(chosen[0]).encode("utf-8"))]
    else:
        targets = [(output, export_bytes(fmt, title, entries, concepts))]
    for path, payload in targets:
        if path is None:
            click.echo(payload.decode("utf-8"), nl=False)
            continue
        try:
            write_atomically(path, payload)
        except OSError as exc:
            raise click.ClickException(f"Cannot write {path}: {exc.strerror}") from exc
        click.echo(f"Wrote {path}", err=True)
    what = f"{len(concepts)} concepts from " if merged else ""
    click.echo(f"Exported {what}{len(entries)} entries of {len(chosen)} glossary(ies) as {fmt}.", err=True)
@cli.group()
def review():
    """The duplicates review: verdicts on pairs of entries, saved in <corpus>/decisions.yaml.

    \b
    Examples:
      glossary-search review list
      glossary-search review decide customer-service-terms#55 office-gurus-bpo#70 same --by anna
      glossary-search review decide contact-center-consulting#12 office-gurus-bpo#3 different
      glossary-search review undo customer-service-terms#55 office-gurus-bpo#70
    """


def _review_corpus(corpus_dir):
    from .corpus import load_corpus
    from .search import DEFAULT_CORPUS

    return load_corpus(corpus_dir or DEFAULT_CORPUS)


def _entry_of(corpus, entry_id: str):
    for e in corpus.entries:
        if e.id == entry_id:
            return e
    raise UsageError(f"No entry with id {entry_id!r}; ids are glossary#position, as `duplicates --json` prints.")


@review.command("list")
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per decision.")
def review_list(corpus_dir, as_json):
    """List the saved decisions."""
    from .decisions import VERDICTS, Decisions

    corpus = _review_corpus(corpus_dir)
    decisions = Decisions.load(corpus.root)
    known = {e.id: e for e in corpus.entries}
    for d in sorted(decisions, key=lambda d: (d.a, d.b)):
        if as_json:
            click.echo(json.dumps({"pair": [d.a, d.b], "verdict": d.verdict, "preferred": d.preferred,
                                   "by": d.by, "at": d.at}, ensure_ascii=False))
            continue
        names = [safe(known[i].label) if i in known else f"{i} (no such entry now)" for i in (d.a, d.b)]
        extra = "".join(f", {k} {safe(v)}" for k, v in (("preferred", d.preferred), ("by", d.by), ("on", d.at)) if v)
        click.echo(f"{VERDICTS[d.verdict]:<13} {d.a} {names[0]}  |  {d.b} {names[1]}{extra}")
    if not as_json:
        click.echo(f"{len(decisions)} decision(s) in {corpus.root / 'decisions.yaml'}.", err=True)


@review.command("decide")
@corpus_option
@click.argument("entry_a")
@click.argument("entry_b")
@click.argument("verdict", type=click.Choice(["same", "different", "related"]))
@click.option("--preferred", default=None, help="For 'same': the entry id whose name and definition to keep.")
@click.option("--by", default=None, help="Who decided (saved with the decision).")
def review_decide(corpus_dir, entry_a, entry_b, verdict, preferred, by):
    """Save VERDICT (same, different, related) on the pair ENTRY_A ENTRY_B, replacing an earlier one."""
    from .decisions import VERDICTS, Decisions

    corpus = _review_corpus(corpus_dir)
    a, b = _entry_of(corpus, entry_a), _entry_of(corpus, entry_b)
    decisions = Decisions.load(corpus.root).decide(a.id, b.id, verdict, preferred=preferred, by=by,
                                                   terms=(a.label, b.label))
    path = decisions.save(corpus.root)
    click.echo(f"Saved: {safe(a.label)} [{a.id}] and {safe(b.label)} [{b.id}]: {VERDICTS[verdict]} ({path}).")


@review.command("undo")
@corpus_option
@click.argument("entry_a")
@click.argument("entry_b")
def review_undo(corpus_dir, entry_a, entry_b):
    """Remove the decision on the pair ENTRY_A ENTRY_B: it is a suggestion again."""
    from .decisions import Decisions

    corpus = _review_corpus(corpus_dir)
    path = Decisions.load(corpus.root).undo(entry_a, entry_b).save(corpus.root)
    click.echo(f"Removed the decision on {entry_a} / {entry_b} ({path}).")



def main() -> None:
    cli.main(prog_name="glossary-search")


if __name__ == "__main__":
    main()
