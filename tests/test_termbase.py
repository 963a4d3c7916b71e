"""Importing a team's own glossary: CSV/TSV, Excel, TBX and text pages become validated YAML, or a clear error."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search import evaluation as ev
from glossary_search.corpus import load_corpus, load_glossary
from glossary_search.errors import ImportFileError, UsageError
from glossary_search.termbase import (
    IMPORT_LIMIT,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_MB,
    add_to_corpus,
    check_addable,
    export_bytes,
    parse_columns,
    read_termbase,
)

from .conftest import CORPUS, SOURCES

TEAM_CSV = (
    "Term,Definition,Acronym,Synonyms\n"
    "Average Handle Time (AHT),\"Mean time per contact, talk plus hold plus wrap-up.\",,Handle Time\n"
    "Abandon Rate,Share of callers who hang up before an answer.,,Abandoned Call Rate; Abandonment\n"
    ",,,\n"
    "First Call Resolution,Solved on the first contact.,FCR,\n"
)

TBX_BASIC = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en">
  <martifHeader><fileDesc><titleStmt><title>Support Termbase</title></titleStmt></fileDesc></martifHeader>
  <text><body>
    <termEntry id="c1">
      <descrip type="definition">Mean time an agent spends on one contact.</descrip>
      <langSet xml:lang="de"><tig><term>Durchschnittliche Bearbeitungszeit</term></tig></langSet>
      <langSet xml:lang="en-US">
        <tig><term>Average Handle Time</term><termNote type="termType">fullForm</termNote></tig>
        <tig><term>AHT</term><termNote type="termType">acronym</termNote></tig>
        <tig><term>Handle Time</term></tig>
      </langSet>
    </termEntry>
    <termEntry id="c2">
      <langSet xml:lang="en">
        <descrip type="definition">Calls a customer hangs up on before an agent answers &amp; the rate of them.</descrip>
        <tig><term>Abandon Rate</term></tig>
      </langSet>
    </termEntry>
    <termEntry id="c3">
      <langSet xml:lang="fr"><descrip type="definition">Taux.</descrip><tig><term>Taux</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""

TBX_V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="x1">
      <langSec xml:lang="en">
        <descrip type="definition">Customers who stop buying over a period.</descrip>
        <termSec><term>Churn Rate</term></termSec>
        <termSec><term>Attrition</term></termSec>
      </langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def terms(preview) -> list[tuple]:
    return [(e["term"], e.get("acronym"), tuple(e.get("aliases", ())), e["definition"]) for e in preview.entries]


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- CSV / TSV ---------------------------------------------------------------------------------------

def test_csv_header_acronym_split_aliases_and_blank_rows():
    p = read_termbase(TEAM_CSV.encode(), "Team Terms.csv")
    assert p.glossary_id == "team-terms" and p.title == "Team Terms" and p.format == "csv"
    assert terms(p) == [
        ("Average Handle Time", "AHT", ("Handle Time",), "Mean time per contact, talk plus hold plus wrap-up."),
        ("Abandon Rate", None, ("Abandoned Call Rate", "Abandonment"), "Share of callers who hang up before an answer."),
        ("First Call Resolution", "FCR", (), "Solved on the first contact."),
    ]
    assert p.split_acronyms == ("Average Handle Time (AHT)",)
    assert [(s.where, s.reason) for s in p.skipped] == [("row 4", "blank row")]


def test_tsv_semicolons_and_chosen_columns():
    tsv = "Word\tNotes\tMeaning\nQueue\tinternal\tCallers waiting for an agent.\n"
    p = read_termbase(tsv.encode(), "q.tsv", columns={"term": "Word", "definition": "Meaning"})
    assert terms(p) == [("Queue", None, (), "Callers waiting for an agent.")]
    assert p.ignored_columns == ("Notes",)
    semi = "Queue;Callers waiting for an agent.\nWrap-up;Work after a call ends.\n"
    p = read_termbase(semi.encode(), "q.csv")  # no header, two columns: term then definition
    assert [e["term"] for e in p.entries] == ["Queue", "Wrap-up"]
    p = read_termbase(b"x,Queue,Callers waiting.\n", "q.csv", columns={"term": "2", "definition": "3"})
    assert terms(p) == [("Queue", None, (), "Callers waiting.")]


def test_a_table_without_a_recognised_header_says_how_it_was_read():
    # "foo,bar" may be a header nobody named term/definition, or the first entry: the preview says which.
    p = read_termbase(b"foo,bar\n1,2\n", "odd.csv")
    assert [e["term"] for e in p.entries] == ["foo", "1"] and p.headerless
    assert "column 1 is read as the term" in p.headerless_notice and "--columns" in p.headerless_notice
    assert not read_termbase(TEAM_CSV.encode(), "team.csv").headerless
    assert not read_termbase(b"Queue,Callers waiting.\n", "q.csv", columns={"term": "1", "definition": "2"}).headerless


def test_a_see_definition_is_a_cross_reference():
    p = read_termbase(b"term,definition\nACW,See After-Call Work.\n", "x.csv")
    assert p.entries[0]["see"] == "After-Call Work"
    pointers = ("term,definition\nSeated Agents,Another name for base staff.\nCC,Short for Contact Center.\n"
                "ACD,Same as Automatic Call Distributor\nQueue,See also Queue Time.\n"
                "Hold,Another name for it is parking; the caller waits on the line.\n")
    p = read_termbase(pointers.encode(), "x.csv")
    assert [e.get("see") for e in p.entries] == [
        "base staff", "Contact Center", "Automatic Call Distributor",
        None,  # 'See also' points at a neighbour, not at the same concept
        None]  # a definition that goes on is no pointer (more than 8 words)
    # The name pointed at, without an article or a remark in brackets; an acronym in brackets is kept.
    remarks = ("term,definition\nPABX,Another name for a private branch exchange (the page refers to PBX).\n"
               "Average Delay,See Average Speed of Answer (ASA).\n")
    p = read_termbase(remarks.encode(), "x.csv")
    assert [e.get("see") for e in p.entries] == ["private branch exchange", "Average Speed of Answer (ASA)"]


def test_an_acronym_written_first_is_split_from_its_spelled_out_name():
    rows = ("term,definition\nSLA (Service Level Agreement),Committed response times.\n"
            "CLV/LTV (Customer Lifetime Value),What a customer is worth over time.\n"
            "Agent (remote),Someone answering from home.\nIVR (beta),A test menu.\nAuto-QA (AI QA),Scored by a model.\n"
            "ACD - Automatic Call Distributor,Routes calls.\nService Level Agreement – SLA,Committed times.\n"
            "Self-Service - Portal,A help site.\n")
    p = read_termbase(rows.encode(), "x.csv")
    assert [(e["term"], e.get("acronym")) for e in p.entries] == [
        ("Service Level Agreement", "SLA"), ("Customer Lifetime Value", "CLV/LTV"),
        ("Agent (remote)", None),  # 'Agent' is no acronym
        ("IVR (beta)", None),  # one word, not spelled out by the acronym
        ("Auto-QA (AI QA)", None),  # acronyms both
        ("Automatic Call Distributor", "ACD"), ("Service Level Agreement", "SLA"),  # a spaced dash, either way
        ("Self-Service - Portal", None)]  # neither side an acronym
    assert p.split_acronyms == ("SLA (Service Level Agreement)", "CLV/LTV (Customer Lifetime Value)",
                                "ACD - Automatic Call Distributor", "Service Level Agreement – SLA")


@pytest.mark.parametrize("data, filename, kwargs, message", [
    (b"Name,Text\nQueue,Waiting.\n", "t.csv", {}, r"t\.csv: row 1: no 'definition' column; columns are: Name, Text; choose one with --columns definition=NAME"),
    (b"term,meaning\nQueue,\n", "t.csv", {}, r"t\.csv: row 2: term 'Queue' has an empty definition"),
    (b"term,definition\n,Waiting callers.\n", "t.csv", {}, r"t\.csv: row 2: the term is empty"),
    (b"term,definition\nQueue,Caf\xe9 waiting.\n", "t.csv", {}, r"t\.csv: line 2: unknown encoding, not UTF-8"),
    (b"a,b,c\n1,2,3\n", "t.csv", {}, r"t\.csv: row 1: no header row .* and 3 columns"),
    (b"term,definition\nQ,W.\n", "t.csv", {"columns": {"term": "Word"}}, r"row 1: no column named 'Word' for term"),
    (b"term,definition\nQ,W.\n", "t.doc", {}, r"t\.doc: cannot tell the format from the extension '\.doc'"),
    (b"term,definition\nQ,W.\n", "t.csv", {"encoding": "klingon"}, r"t\.csv: unknown encoding 'klingon'"),
    (b"\n\n", "t.csv", {}, r"t\.csv: the file is empty"),
])
def test_bad_tables_name_file_and_row(data, filename, kwargs, message):
    with pytest.raises(ImportFileError, match=message):
        read_termbase(data, filename, **kwargs)


def test_fixes_that_need_an_option_name_it_in_the_cli_and_the_app():
    """The app's import page showed '…with --encoding' and '…with --id', flags of the command line only:
    each such error also names the app's field, as the columns error does."""
    with pytest.raises(ImportFileError, match=r"with --encoding, e\.g\. cp1252 \(in the app: Options, Encoding\)"):
        read_termbase(b"term,definition\nQueue,Caf\xe9 waiting.\n", "t.csv")
    with pytest.raises(ImportFileError, match=r"choose one with --id \(in the app: Id\)"):
        read_termbase(b"term,definition\nQueue,Waiting.\n", "t.csv", glossary_id="my glossary")


def test_a_named_encoding_reads_a_windows_file():
    p = read_termbase("term,definition\nCafé,A place.\n".encode("cp1252"), "t.csv", encoding="cp1252")
    assert p.entries[0]["term"] == "Café"


def test_size_limit_in_the_unit_the_uploader_shows():
    assert MAX_IMPORT_BYTES == MAX_IMPORT_MB * 1_000_000 and IMPORT_LIMIT == f"{MAX_IMPORT_MB} MB"
    with pytest.raises(ImportFileError, match=r"^big\.csv: the file is 5\.01 MB, over the 5 MB import limit; split"):
        read_termbase(b"x" * (MAX_IMPORT_BYTES + 1), "big.csv")  # rounded up: never "5.00 MB, over 5 MB"
    with pytest.raises(ImportFileError, match="is empty"):  # exactly the limit passes the size check
        read_termbase(b" " * MAX_IMPORT_BYTES, "full.csv")


# ---- Excel -----------------------------------------------------------------------------------------------

def test_xlsx_first_sheet_or_chosen_sheet():
    data = xlsx_bytes({
        "Notes": [["nothing", "to", "see"]],
        "Glossary": [["Term", "Definition", "Abbreviation"], ["Service Level", "Calls answered within a target time.", "SL"],
                     [None, None, None], ["IVR", "Menu callers answer by keypad or voice.", None]],
    })
    p = read_termbase(data, "book.xlsx", sheet="Glossary")
    assert terms(p)[0] == ("Service Level", "SL", (), "Calls answered within a target time.")
    assert [(s.where, s.reason) for s in p.skipped] == [("sheet 'Glossary' row 3", "blank row")]
    with pytest.raises(ImportFileError, match=r"book\.xlsx: sheet 'Notes' row 1: no 'term' column"):
        read_termbase(data, "book.xlsx")
    with pytest.raises(ImportFileError, match=r"book\.xlsx: no sheet named 'Terms'; sheets: Notes, Glossary"):
        read_termbase(data, "book.xlsx", sheet="Terms")
    with pytest.raises(ImportFileError, match=r"fake\.xlsx: not an Excel \.xlsx workbook"):
        read_termbase(b"term,definition\n", "fake.xlsx")


# ---- TBX ---------------------------------------------------------------------------------------------------

def test_tbx_basic_concepts_languages_and_acronyms():
    p = read_termbase(TBX_BASIC.encode(), "support.tbx")
    assert p.title == "Support Termbase"
    assert terms(p) == [
        ("Average Handle Time", "AHT", ("Handle Time",), "Mean time an agent spends on one contact."),
        ("Abandon Rate", None, (), "Calls a customer hangs up on before an agent answers & the rate of them."),
    ]
    assert [s.where for s in p.skipped] == ["entry c3 (line 20)"] and "languages: fr" in p.skipped[0].reason
    german = read_termbase(TBX_BASIC.encode(), "support.tbx", lang="de")
    assert terms(german) == [("Durchschnittliche Bearbeitungszeit", None, (), "Mean time an agent spends on one contact.")]


def test_tbx_v3_namespaced():
    p = read_termbase(TBX_V3.encode(), "v3.tbx")
    assert terms(p) == [("Churn Rate", None, ("Attrition",), "Customers who stop buying over a period.")]


@pytest.mark.parametrize("data, message", [
    (b"<?xml version='1.0'?>\n<html><body>hi</body></html>", r"x\.tbx: line 2: XML but not TBX: the root element is <html>"),
    (b"<martif>\n<text><body><termEntry>\n</martif>", r"x\.tbx: line 3: not well-formed XML"),
    (TBX_BASIC.replace("<descrip type=\"definition\">Mean time an agent spends on one contact.</descrip>", "").encode(),
     r"x\.tbx: entry c1 \(line 5\): term 'Average Handle Time' has an empty definition"),
])
def test_bad_tbx(data, message):
    with pytest.raises(ImportFileError, match=message):
        read_termbase(data, "x.tbx")


def test_tbx_never_reads_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE martif [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<martif><text><body><termEntry><langSet xml:lang="en"><descrip type="definition">&x; here</descrip>'
           '<tig><term>Leak</term></tig></langSet></termEntry></body></text></martif>')
    p = read_termbase(xxe.encode(), "x.tbx")
    assert "TOP SECRET" not in str(p.entries)


# ---- a text page ----------------------------------------------------------------------------------------

def test_text_page_reads_seed_000_as_the_curated_glossary():
    """Seed 000 is such a page: the import gives the corpus glossary's terms, definitions, 'See' links and lines."""
    seed = next(SOURCES.glob("000_*.txt"))
    p = read_termbase(seed.read_bytes(), "consulting.txt")
    curated = load_glossary(CORPUS / "contact-center-consulting.yaml")
    assert len(p.entries) == len(curated.entries) == 33
    assert [s.where for s in p.skipped] == ["line 1"] and p.furniture == (1,)
    for got, want in zip(p.entries, curated.entries):
        assert (got["definition"], got.get("see"), got["line"], got["term_line"]) == (
            want.definition, want.see, want.line, want.term_line)
        # The curator singularised one acronym ('CSRs' -> 'CSR'); otherwise the names agree.
        assert (got["term"], got.get("acronym", "").rstrip("s")) == (want.term, (want.acronym or "").rstrip("s"))


# ---- into the corpus ------------------------------------------------------------------------------------

def test_add_to_corpus_writes_valid_yaml_and_its_source_once(corpus_copy):
    data = TEAM_CSV.encode()
    p = read_termbase(data, "team.csv", title="Our Team")
    path = add_to_corpus(p, data, corpus_copy)
    corpus = load_corpus(corpus_copy)
    team = corpus.glossary("team")
    assert path == corpus_copy / "team.yaml" and team.title == "Our Team" and len(team.entries) == 3
    assert (corpus_copy / "sources" / team.source).read_bytes() == data
    with pytest.raises(ImportFileError, match=r"renamed\.csv: this file was already imported as glossary 'team'; nothing written"):
        add_to_corpus(read_termbase(data, "renamed.csv"), data, corpus_copy)
    other = TEAM_CSV.replace("Solved", "Resolved").encode()
    with pytest.raises(ImportFileError, match=r"glossary id 'team' is already used by .*team\.yaml; choose another"):
        add_to_corpus(read_termbase(other, "team.csv"), other, corpus_copy)


def test_check_addable_says_what_add_would_refuse_without_writing(corpus_copy):
    data = TEAM_CSV.encode()
    before = sorted(p.name for p in corpus_copy.rglob("*"))
    assert check_addable(read_termbase(data, "team.csv"), corpus_copy) == corpus_copy / "team.yaml"
    with pytest.raises(ImportFileError, match=r"team\.csv: glossary id 'office-gurus-bpo' is already used by the "
                                              r"glossary '.*BPO.*', file office-gurus-bpo\.yaml; choose another id\.") as used:
        check_addable(read_termbase(data, "team.csv", glossary_id="office-gurus-bpo"), corpus_copy)
    assert str(corpus_copy) not in str(used.value)  # the app shows it: no server folder
    assert sorted(p.name for p in corpus_copy.rglob("*")) == before
    add_to_corpus(read_termbase(data, "team.csv"), data, corpus_copy)
    with pytest.raises(ImportFileError, match=r"already imported as glossary 'team'"):
        check_addable(read_termbase(data, "copy.csv", glossary_id="copy"), corpus_copy)


def test_export_bytes_reads_back_through_import_in_each_format():
    glossary = load_glossary(CORPUS / "contact-center-faq.yaml")
    for fmt in ("csv", "xlsx", "tbx"):
        back = read_termbase(export_bytes(fmt, glossary.title, glossary.entries), f"faq.{fmt}")
        assert [e["term"] for e in back.entries] == [e.term for e in glossary.entries], fmt
        assert [e["definition"] for e in back.entries] == [e.definition for e in glossary.entries], fmt
    with pytest.raises(UsageError, match=r"Unknown export format 'pdf'; valid formats: tbx, csv, xlsx\."):
        export_bytes("pdf", glossary.title, glossary.entries)


def test_parse_columns_reads_roles_and_refuses_a_part_without_equals():
    assert parse_columns(" Term=Name, definition=3 ") == {"term": "Name", "definition": "3"}
    assert parse_columns("") is None and parse_columns(None) is None
    with pytest.raises(UsageError, match=r"'term' is not ROLE=COLUMN"):
        parse_columns("term,definition=2")


def test_a_failed_write_leaves_the_corpus_as_it_was(corpus_copy, monkeypatch):
    before = sorted(p.name for p in corpus_copy.rglob("*"))
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the source copy is in place; the YAML rename fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    data = TEAM_CSV.encode()
    with pytest.raises(ImportFileError, match=r"team\.csv: not added to .*: No space left on device"):
        add_to_corpus(read_termbase(data, "team.csv"), data, corpus_copy)
    assert sorted(p.name for p in corpus_copy.rglob("*")) == before


# ---- the command ----------------------------------------------------------------------------------------

def invoke(*args):
    return CliRunner().invoke(cli.cli, [str(a) for a in args])


def test_cli_import_dry_run_then_import_then_again(tmp_path, corpus_copy):
    src = tmp_path / "team.csv"
    src.write_text(TEAM_CSV)
    dry = invoke("import", src, "--corpus", corpus_copy, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 entries for glossary 'team'" in dry.stdout and "skipped row 4: blank row" in dry.stdout
    assert "No header row" not in dry.stdout
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,2\n")
    told = invoke("import", odd, "--corpus", corpus_copy, "--dry-run")
    assert told.exit_code == 0 and "No header row names a term and a definition column" in told.stdout
    assert "acronym split from 'Average Handle Time (AHT)'" in dry.stdout and "nothing written" in dry.stdout
    assert not (corpus_copy / "team.yaml").exists()
    done = invoke("import", src, "--corpus", corpus_copy, "--id", "ours", "--title", "Ours")
    assert done.exit_code == 0, done.output
    assert load_corpus(corpus_copy).glossary("ours").title == "Ours"
    again = invoke("import", src, "--corpus", corpus_copy, "--id", "ours2")
    assert again.exit_code == 1
    assert again.stderr.strip() == "glossary-search: error: team.csv: this file was already imported as glossary 'ours'; nothing written."
    assert not (corpus_copy / "ours2.yaml").exists()


def test_cli_import_errors_are_one_line(tmp_path, corpus_copy):
    bad = tmp_path / "bad.csv"
    bad.write_text("term,definition\nQueue,\n")
    result = invoke("import", bad, "--corpus", corpus_copy)
    assert result.exit_code == 1
    assert result.stderr == "glossary-search: error: bad.csv: row 2: term 'Queue' has an empty definition.\n"
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MAX_IMPORT_BYTES + 1))
    result = invoke("import", big, "--corpus", corpus_copy)
    assert result.exit_code == 1
    assert result.stderr == f"glossary-search: error: {big}: the file is 5.01 MB, over the 5 MB import limit; split it " \
                            "into smaller glossaries.\n"
    result = invoke("import", bad, "--corpus", corpus_copy, "--columns", "term")
    assert result.exit_code == 2 and "'term' is not ROLE=COLUMN" in result.stderr
    assert sorted(p.name for p in corpus_copy.glob("*.yaml")) == sorted(p.name for p in CORPUS.glob("*.yaml"))


def test_cli_check_accepts_an_imported_table(tmp_path, corpus_copy):
    src = tmp_path / "team.csv"
    src.write_text(TEAM_CSV)
    assert invoke("import", src, "--corpus", corpus_copy).exit_code == 0
    result = invoke("check", "--corpus", corpus_copy)
    assert result.exit_code == 0, result.output
    assert re.search(r"^team: 3 entries", result.stdout, re.M)


def test_cli_imports_a_text_page_faithfully(tmp_path, corpus_copy):
    """An imported text page keeps its lines, so `check` proves it faithful like the seeds."""
    page = tmp_path / "page.txt"
    page.write_text("Our glossary of support words, for new starters, with everything you need.\n"
                    "Hold Time\nTime a caller waits on hold.\n\nWrap Up\nSee After-Call Work.\n")
    assert invoke("import", page, "--corpus", corpus_copy).exit_code == 0
    result = invoke("check", "--corpus", corpus_copy)
    assert result.exit_code == 0 and "problem" not in result.output
    assert "'Wrap Up' says 'See After-Call Work'" in result.stdout


# ---- the real glossaries of the held-out set are importable test glossaries ---------------------------

REAL_SETS = {split: (folder, labels) for split, folder, labels in ev.real_sets(CORPUS.parent / "eval")}
REAL = {split: sorted(folder.glob("*.yaml")) for split, (folder, _) in REAL_SETS.items()}


def test_every_labels_file_of_real_glossaries_is_found_with_its_folder():
    labels = sorted(p.name for p in (CORPUS.parent / "eval").glob("duplicates-real*.yaml"))
    assert sorted(lab.name for _, lab in REAL_SETS.values()) == labels and len(labels) >= 9
    assert list(REAL_SETS)[:3] == ["real", "real2", "real3"]  # in the order they were built
    assert all(REAL[split] for split in REAL_SETS)


@pytest.mark.parametrize("path", [p for paths in REAL.values() for p in paths], ids=lambda p: p.stem)
def test_real_glossaries_import_with_their_ids_and_source_url(path):
    import yaml

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    p = read_termbase(path.read_bytes(), path.name)
    assert p.glossary_id == raw["id"] and p.title == raw["title"] and len(p.entries) == len(raw["entries"])
    # A term given as "After-Call Work (ACW)" or "ACW (After-Call Work)" is kept as the term "After-Call Work"
    # with the acronym ACW; "Robotic Process Automation (RPA) in BPO" as the term "Robotic Process Automation
    # in BPO" with the acronym "RPA in BPO".
    for e, r in zip(p.entries, raw["entries"]):
        if e.get("acronym") and not r.get("acronym"):
            term, acronym = e["term"], e["acronym"]
            tail = os.path.commonprefix([term[::-1], acronym[::-1]])[::-1]
            tail = tail[tail.index(" "):] if " " in tail else ""
            dashed = re.match(r"^(.+?)\s+[-–—:]\s+(.+)$", r["term"])
            assert r["term"] in (f"{term} ({acronym})", f"{acronym} ({term})",
                                 f"{term[:len(term) - len(tail)]} ({acronym[:len(acronym) - len(tail)]}){tail}") \
                or (dashed and {dashed[1], dashed[2]} == {term, acronym})
        else:
            assert e["term"] == r["term"]
    assert raw["source_url"] in p.yaml_text()


@pytest.mark.parametrize("split", list(REAL_SETS))
def test_the_scratch_corpus_holds_every_labeled_entry(tmp_path, split):
    """eval/duplicates-real*.yaml name entries '<glossary>#<position>': the import must keep both."""
    from types import SimpleNamespace


    labels = REAL_SETS[split][1]
    scratch = ev.corpus_with(CORPUS, REAL[split], tmp_path / "corpus")
    corpus = load_corpus(scratch)
    assert len(corpus.glossaries) == 5 + len(REAL[split]) and len(REAL[split]) >= 2
    ev.check_pairs(SimpleNamespace(entries=corpus.entries), labels)
    assert {p.split for p in ev.load_pairs(labels)} == {split}


def test_yaml_import_refuses_what_is_not_a_glossary():
    with pytest.raises(ImportFileError, match=r"x\.yaml: expected a mapping with a list of 'entries'"):
        read_termbase(b"- a\n- b\n", "x.yaml")
    with pytest.raises(ImportFileError, match=r"x\.yaml: entry 1 \(line 3\): term 'Q' has an empty definition"):
        read_termbase(b"title: T\nentries:\n  - term: Q\n    definition: ''\n", "x.yaml")


def test_utf16_with_a_bom_is_read():
    p = read_termbase("term\tdefinition\nCafé\tA place.\n".encode("utf-16"), "t.tsv")
    assert p.entries[0]["term"] == "Café"


def test_the_command_line_loads_no_file_format_library_until_a_command_needs_it():
    import subprocess
    import sys

    code = ("import sys, glossary_search.cli; "
            "print(sorted(m for m in ('openpyxl', 'lxml', 'torch', 'faiss') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=CORPUS.parent, env={**os.environ, "PYTHONPATH": str(CORPUS.parent)})
    assert out.stdout.strip() == "[]"
