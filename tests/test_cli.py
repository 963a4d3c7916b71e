"""The `glossary-search` command: output contracts, exit codes and one-line errors."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from glossary_search import cli

from .conftest import ROOT, seeded_index

pytestmark = pytest.mark.slow


@pytest.fixture
def run(real_searcher, monkeypatch):
    """Invoke the CLI in-process against the shared real searcher (the model loads once per session)."""
    monkeypatch.setattr(cli, "open_searcher", lambda *a, **k: real_searcher)

    def invoke(*args):
        return CliRunner().invoke(cli.cli, list(args))

    return invoke


def test_ask_json_is_one_object_per_question_in_order(run):
    result = run("ask", "--json", "-k", "3", "how do I measure wait time", "NPS")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == ["how do I measure wait time", "NPS"]
    first = lines[0]["results"][0]
    assert set(first) >= {"term", "acronym", "definition", "glossary", "score", "matched"}
    assert first["term"] in {"Wait Time", "Queue Time", "Average Speed of Answer"}
    assert lines[1]["results"][0]["acronym"] == "NPS" and len(lines[1]["results"]) == 3


def test_ask_readable_output_shows_term_glossary_and_reason(run):
    result = run("ask", "AHT")
    assert result.exit_code == 0
    assert "Average Handle Time (AHT)" in result.stdout and 'acronym "AHT"' in result.stdout


def test_ask_unrelated_says_no_close_match(run):
    assert "No close match" in run("ask", "banana bread with walnuts").stdout


@pytest.mark.parametrize("args, message", [
    (["ask", "   "], "question is empty"),
    (["ask", "-k", "0", "nps"], "0 is not in the range x>=1"),
    (["ask", "-k", "-3", "nps"], "-3 is not in the range x>=1"),
    (["ask", "-k", "many", "nps"], "'many' is not a valid integer"),
    (["ask"], "Missing argument"),
    (["related", "Net Promotor Scor"], "Did you mean: Net Promoter Score (NPS)"),
    (["duplicates", "--band", "twins"], "'twins' is not one of"),
    (["ask", "-g", "nope", "nps"], "Unknown glossary 'nope'"),
])
def test_bad_usage_is_one_line_and_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("glossary-search: error: ")


def test_broken_corpus_is_exit_1_naming_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("title: x\nentries:\n  - term: [oops\n")
    result = CliRunner().invoke(cli.cli, ["ask", "--corpus", str(tmp_path), "--index", str(tmp_path / "i"), "nps"])
    assert result.exit_code == 1
    assert "bad.yaml:" in result.stderr and "YAML syntax error" in result.stderr


def test_related_lists_other_concepts(run):
    result = run("related", "--json", "-k", "4", "Average Handle Time")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4 and all(r["term"] != "Average Handle Time" for r in rows)


def test_duplicates_json_and_exports(run, tmp_path):
    csv_path, md_path = tmp_path / "d.csv", tmp_path / "d.md"
    result = run("duplicates", "--band", "identical", "--json", "--csv", str(csv_path), "--markdown", str(md_path))
    assert result.exit_code == 0, result.output
    groups = [json.loads(line) for line in result.stdout.splitlines()]
    assert groups and all(g["band"] == "identical" for g in groups)
    assert set(groups[0]) == {"score", "band", "canonical", "entries"}
    assert set(groups[0]["entries"][0]) >= {"term", "definition", "glossary"}
    assert "Callback" in csv_path.read_text() and md_path.read_text().startswith("# Near-duplicate terms")
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert {r["why"] for r in rows if r["term"] == "Callback"} == {"named alike"}  # a glossary owner can filter on it


def test_check_reports_unresolved_cross_references(run):
    result = run("check")
    assert result.exit_code == 0
    assert "'Critical Error' says 'See Compliance Critical Error', which no glossary defines" in result.stdout


def test_python_dash_m_runs_the_real_command(tmp_path, built_index):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    index = seeded_index(built_index, tmp_path / "idx")  # a fresh index folder, its embeddings cached
    proc = subprocess.run(
        [sys.executable, "-m", "glossary_search", "ask", "--json", "--index", str(index), "what is NPS"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"][0]["acronym"] == "NPS"
    assert "building it" in proc.stderr  # a fresh index folder says it builds


def test_ask_json_is_valid_utf8_for_argv_bytes_that_are_not(built_index):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "glossary_search", "ask", "--json", "--index", str(built_index),
         b"what is NPS \xff\xfe\xc3"],
        capture_output=True, cwd=ROOT, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout.decode("utf-8"))  # strict: raises on bytes that are not UTF-8
    assert answer["question"] == "what is NPS \ufffd\ufffd\ufffd"
    assert answer["results"][0]["acronym"] == "NPS"
