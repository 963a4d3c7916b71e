"""Exporting glossaries as TBX, CSV, Excel and YAML, as they are or merged into concepts; TBX round-trips."""
from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from click.testing import CliRunner
from lxml import etree

from glossary_search import cli
from glossary_search.corpus import load_corpus, load_glossary
from glossary_search.termbase import read_termbase, table_rows, to_tbx, to_xlsx
from glossary_search.types import Entry

from .conftest import CORPUS

GLOSSARIES = {g.id: g for g in load_corpus(CORPUS).glossaries}


def as_imported(entries) -> list[tuple]:
    return [(e["term"], e.get("acronym"), tuple(e.get("aliases", ())), e.get("see"), e["definition"]) for e in entries]


def as_corpus(entries) -> list[tuple]:
    return [(e.term, e.acronym, e.aliases, e.see, e.definition) for e in entries]


def invoke(*args):
    return CliRunner().invoke(cli.cli, [str(a) for a in args])


@pytest.mark.parametrize("gid", sorted(GLOSSARIES))
def test_tbx_export_round_trips_through_import(gid, tmp_path):
    """Every corpus glossary: export TBX -> import -> the same terms, acronyms, aliases, 'See' links, definitions."""
    out = tmp_path / f"{gid}.tbx"
    result = invoke("export", "--format", "tbx", "-g", gid, "-o", out)
    assert result.exit_code == 0, result.output
    etree.fromstring(out.read_bytes(), etree.XMLParser(resolve_entities=False))  # well-formed, or this raises
    back = read_termbase(out.read_bytes(), out.name)
    assert back.title == GLOSSARIES[gid].title
    assert as_imported(back.entries) == as_corpus(GLOSSARIES[gid].entries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_table_exports_round_trip_too(fmt, tmp_path):
    out = tmp_path / f"all.{fmt}"
    assert invoke("export", "--format", fmt, "-o", out).exit_code == 0
    back = read_termbase(out.read_bytes(), out.name)
    assert as_imported(back.entries) == as_corpus(e for g in GLOSSARIES.values() for e in g.entries)
    assert back.ignored_columns == ("glossary", "id")


def test_hostile_text_stays_text():
    """Markup is escaped in TBX, and a definition starting with '=' is a string in Excel, never a formula."""
    e = Entry(glossary="g", position=1, term="<b>Bold</b> & Co", definition="=HYPERLINK(\"http://x\") <script>\x07",
              aliases=("a;b",))
    root = etree.fromstring(to_tbx("T <x>", [e]))
    assert root.findtext(".//term") == "<b>Bold</b> & Co"
    assert root.findtext(".//descrip") == "=HYPERLINK(\"http://x\") <script>"
    from openpyxl import load_workbook

    columns, rows = table_rows([e])
    sheet = load_workbook(io.BytesIO(to_xlsx(columns, rows))).active
    cell = sheet.cell(row=2, column=columns.index("definition") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_yaml_export_reloads_as_the_same_glossaries(tmp_path):
    assert invoke("export", "--format", "yaml", "-o", tmp_path / "out").exit_code == 0
    for gid, g in GLOSSARIES.items():
        again = load_glossary(tmp_path / "out" / f"{gid}.yaml")
        assert again.entries == g.entries and again.title == g.title and again.furniture == g.furniture


@pytest.mark.parametrize("args, message", [
    (["--format", "xlsx"], "--format xlsx needs --output FILE"),
    (["--format", "yaml", "--merged", "-o", "x"], "--merged writes tbx, csv or xlsx"),
    (["--format", "yaml"], "needs --output FOLDER"),
    (["--format", "csv", "-g", "nope"], "Unknown glossary 'nope'"),
    (["--format", "pdf"], "'pdf' is not one of"),
])
def test_export_usage_errors(args, message):
    result = invoke("export", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def fake_searcher(tmp_path, fake_embedder, monkeypatch):
    """The merged export against a fake-embedder Searcher: its groups are whatever duplicates() returns."""
    from glossary_search.search import Searcher

    searcher = Searcher.open(CORPUS, tmp_path / "index", embedder=fake_embedder)
    monkeypatch.setattr(cli, "open_searcher", lambda *a, **k: searcher)
    return searcher


def merged_rows(tmp_path, *args) -> list[dict]:
    out = tmp_path / "merged.csv"
    result = invoke("export", "--format", "csv", "--merged", "-o", out, *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(out.open(encoding="utf-8")))


def test_merged_csv_has_every_entry_once_in_its_duplicate_group(fake_searcher, tmp_path):
    rows = merged_rows(tmp_path)
    assert sorted(r["id"] for r in rows) == sorted(e.id for e in fake_searcher.entries)
    groups = [g for g in fake_searcher.duplicates(bands=["identical", "same"]) if len(g.entries) > 1]
    biggest = max(groups, key=lambda g: len(g.entries))
    concept = {r["id"]: r["concept"] for r in rows}
    assert len({concept[e.id] for e in biggest.entries}) == 1
    assert {r["canonical"] for r in rows if r["id"] == biggest.entries[0].id} == {biggest.canonical}


def test_merged_export_follows_duplicates_so_review_decisions_apply(fake_searcher, tmp_path, monkeypatch):
    """A group the reviewer splits (absent from Searcher.duplicates()) is exported as separate concepts."""
    groups = fake_searcher.duplicates(bands=["identical", "same"])
    split = next(g for g in groups if g.band == "same" and len(g.entries) == 2)
    kept = [g for g in groups if g is not split]
    monkeypatch.setattr(fake_searcher, "duplicates", lambda *a, **k: kept)
    concept = {r["id"]: r["concept"] for r in merged_rows(tmp_path)}
    assert concept[split.entries[0].id] != concept[split.entries[1].id]
    merged = [g for g in kept if len(g.entries) == 2 and g.band != "related"][0]
    assert concept[merged.entries[0].id] == concept[merged.entries[1].id]


def test_merged_tbx_concepts_carry_every_source(fake_searcher, tmp_path):
    out = tmp_path / "merged.tbx"
    assert invoke("export", "--format", "tbx", "--merged", "-o", out).exit_code == 0
    root = etree.fromstring(out.read_bytes())
    sources = [a.text for a in root.iter("admin") if a.getparent().tag == "descripGrp"]
    assert sorted(sources) == sorted(e.id for e in fake_searcher.entries)
    concepts = root.findall(".//termEntry")
    assert len(concepts) < len(fake_searcher.entries)  # some concepts hold several sources
    back = read_termbase(out.read_bytes(), "merged.tbx")  # and a merged termbase imports, one entry per concept
    assert len(back.entries) == len(concepts)
