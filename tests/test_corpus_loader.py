"""The loader refuses bad glossary files with a message naming file, line, entry and field."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from glossary_search import corpus as corpus_module
from glossary_search.corpus import load_corpus, normalize_name
from glossary_search.errors import CorpusError

MINIMAL = """\
title: Team glossary
entries:
  - term: Average Handle Time
    acronym: AHT
    definition: Mean time an agent spends on one contact.
  - term: Wrap-up
    definition: Work after the call ends.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_a_dropped_in_yaml_file_is_a_glossary(tmp_path):
    write(tmp_path / "c", "team.yaml", MINIMAL)
    corpus = load_corpus(tmp_path / "c")
    (g,) = corpus.glossaries
    assert g.id == "team" and g.title == "Team glossary" and len(g.entries) == 2
    assert g.entries[0].label == "Average Handle Time (AHT)"


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "c", "bad.yaml", MINIMAL + "  - term: [unclosed\n    definition: x\n")
    with pytest.raises(CorpusError, match=re.escape(str(path)) + r":9: YAML syntax error: .*starts on line 8"):
        load_corpus(tmp_path / "c")


@pytest.mark.parametrize("field", ["term", "definition"])
def test_missing_or_empty_field_names_file_entry_and_field(tmp_path, field):
    text = MINIMAL.replace("    definition: Work after the call ends.", "    definition: '  '")
    if field == "term":
        text = MINIMAL.replace("  - term: Wrap-up\n", "  - acronym: WU\n")
    path = write(tmp_path / "c", "team.yaml", text)
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path / "c")
    assert str(err.value).startswith(f"{path}:6: entry 2")
    assert f"field '{field}' is missing or empty" in str(err.value)


def test_unknown_field_lists_the_valid_ones(tmp_path):
    write(tmp_path / "c", "team.yaml", MINIMAL.replace("acronym: AHT", "acronymn: AHT"))
    with pytest.raises(CorpusError, match=r"entry 1 \('Average Handle Time'\): unknown entry field 'acronymn'; valid fields: acronym"):
        load_corpus(tmp_path / "c")


def test_two_glossaries_with_the_same_id_are_refused(tmp_path):
    write(tmp_path / "c", "a.yaml", "id: team\n" + MINIMAL)
    write(tmp_path / "c", "b.yaml", "id: team\n" + MINIMAL)
    with pytest.raises(CorpusError, match=r"b\.yaml: glossary id 'team' is already used by .*a\.yaml"):
        load_corpus(tmp_path / "c")


def test_non_utf8_file_names_file_and_line(tmp_path):
    write(tmp_path / "c", "latin.yaml", MINIMAL.replace("Wrap-up", "Caf\xe9").encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin\.yaml:6: not UTF-8"):
        load_corpus(tmp_path / "c")


def test_empty_corpus_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="No glossary files"):
        load_corpus(tmp_path / "empty")
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")


def test_top_level_must_be_a_mapping_with_entries(tmp_path):
    write(tmp_path / "c", "list.yaml", "- a\n- b\n")
    with pytest.raises(CorpusError, match="expected a mapping"):
        load_corpus(tmp_path / "c")
    write(tmp_path / "d", "noentries.yaml", "title: x\nentries: []\n")
    with pytest.raises(CorpusError, match="'entries' must be a non-empty list"):
        load_corpus(tmp_path / "d")


def test_a_see_pointing_nowhere_is_reported_not_fatal(tmp_path):
    write(tmp_path / "c", "team.yaml", MINIMAL + "  - term: ACW\n    see: After-Call Work\n    definition: See After-Call Work.\n")
    corpus = load_corpus(tmp_path / "c")
    assert [e.term for e in corpus.unresolved_see()] == ["ACW"]


def test_a_definition_over_the_limit_is_refused_at_load(tmp_path):
    write(tmp_path / "c", "team.yaml", MINIMAL.replace("Work after the call ends.", "word " * 50_000))
    with pytest.raises(CorpusError, match=r"team\.yaml:6: entry 2 \('Wrap-up'\): field 'definition' is 249,999 "
                                          r"characters; the limit is 20,000"):
        load_corpus(tmp_path / "c")
    write(tmp_path / "d", "team.yaml", MINIMAL.replace("Work after the call ends.", "word " * 3_000))
    assert len(load_corpus(tmp_path / "d").entries[1].definition) > 10_000  # long, within the limit


@pytest.mark.parametrize("field, value", [("term", "T" * 301), ("acronym", "A" * 301), ("see", "S" * 301),
                                          ("aliases", ["x" * 301]), ("aliases", [f"a{n}" for n in range(101)]),
                                          ("question", "Q" * 1001)])
def test_every_field_has_a_size_limit(tmp_path, field, value):
    text = MINIMAL.replace("    acronym: AHT\n", f"    acronym: AHT\n    {field}: {json.dumps(value)}\n")
    if field == "term":
        text = MINIMAL.replace("Average Handle Time", value)
    if field == "acronym":
        text = MINIMAL.replace("AHT", value)
    write(tmp_path / "c", "team.yaml", text)
    with pytest.raises(CorpusError, match=f"field '{field}' .*the limit is") as err:
        load_corpus(tmp_path / "c")
    assert len(str(err.value)) < 300


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_FILE_BYTES", 100)
    write(tmp_path / "c", "team.yaml", MINIMAL)
    with pytest.raises(CorpusError, match=r"team\.yaml: 1\d\d bytes; a glossary file may hold at most 100"):
        load_corpus(tmp_path / "c")


BILLION_LAUGHS = """\
title: Bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
entries:
  - term: Lol
    acronym: *h
    definition: laughs
"""


def test_yaml_anchors_and_aliases_are_refused_before_anything_expands(tmp_path):
    write(tmp_path / "c", "bomb.yaml", BILLION_LAUGHS)
    started = time.perf_counter()
    with pytest.raises(CorpusError, match=r"bomb\.yaml:2: YAML anchors and aliases .* are not allowed") as err:
        load_corpus(tmp_path / "c")
    assert time.perf_counter() - started < 1 and len(str(err.value)) < 200
    write(tmp_path / "d", "anchor.yaml", MINIMAL.replace("acronym: AHT", "acronym: &x AHT"))
    with pytest.raises(CorpusError, match=r"anchor\.yaml:4: YAML anchors"):
        load_corpus(tmp_path / "d")


def test_a_message_never_shows_an_unbounded_value(tmp_path):
    huge = json.dumps([["lol"] * 50] * 2000)
    write(tmp_path / "c", "big.yaml", MINIMAL.replace("acronym: AHT", f"acronym: {huge}"))
    with pytest.raises(CorpusError, match="field 'acronym' must be non-empty text, got ") as err:
        load_corpus(tmp_path / "c")
    assert len(str(err.value)) < 250


def test_duplicate_keys_are_refused_naming_key_and_line(tmp_path):
    text = MINIMAL.replace("    definition: Work after the call ends.\n",
                           "    definition: Work after the call ends.\n    definition: Something else.\n")
    write(tmp_path / "c", "team.yaml", text)
    with pytest.raises(CorpusError, match=r"team\.yaml:8: key 'definition' appears twice in one mapping "
                                          r"\(first on line 7\)"):
        load_corpus(tmp_path / "c")
    write(tmp_path / "d", "team.yaml", "title: One\n" + MINIMAL)
    with pytest.raises(CorpusError, match=r"team\.yaml:2: key 'title' appears twice"):
        load_corpus(tmp_path / "d")


@pytest.mark.parametrize("depth", [25, 5_000, 200_000])
def test_deep_nesting_is_refused_without_a_crash(tmp_path, depth):
    write(tmp_path / "c", "deep.yaml", MINIMAL.replace("acronym: AHT", "acronym: " + "[" * depth + "]" * depth))
    with pytest.raises(CorpusError, match=r"deep\.yaml:4: nested more than 20 levels deep"):
        load_corpus(tmp_path / "c")


@pytest.mark.parametrize("line, message", [
    ("    term_origin: [a]", r"field 'term_origin' is \['a'\]; valid values: curated, seed"),
    ("    term_origin: {a: 1}", r"field 'term_origin' is \{'a': 1\}"),
    ("    truncated: 'yes'", r"field 'truncated' must be true or false, got 'yes'"),
    ("    line: true", r"field 'line' must be a line number, got True"),
    ("    see: [After-Call Work]", r"field 'see' must be non-empty text"),
    ("    aliases: {a: b}", r"field 'aliases' must be a list of names"),
])
def test_wrong_types_in_an_entry_are_refused_naming_the_field(tmp_path, line, message):
    write(tmp_path / "c", "team.yaml", MINIMAL.replace("    acronym: AHT", line))
    with pytest.raises(CorpusError, match=r"team\.yaml:3: entry 1 \('Average Handle Time'\): " + message):
        load_corpus(tmp_path / "c")


@pytest.mark.parametrize("header, message", [
    ("source: 5", r"field 'source' must be a file name in corpus/sources/.*got 5"),
    ("source: /etc/passwd", r"field 'source' must be a file name .*got '/etc/passwd'"),
    ("source: ../../etc/passwd", r"field 'source' must be a file name"),
    ("source: [a]", r"field 'source' must be a file name"),
    ("description: [a]", r"field 'description' must be text"),
    ("id: 5", r"field 'id' must be letters"),
    ("furniture: [true]", r"field 'furniture' must be a list of line numbers"),
])
def test_wrong_types_in_the_header_are_refused(tmp_path, header, message):
    write(tmp_path / "c", "team.yaml", header + "\n" + MINIMAL)
    with pytest.raises(CorpusError, match=r"team\.yaml: " + message):
        load_corpus(tmp_path / "c")


def test_a_symlink_out_of_the_corpus_is_refused(tmp_path):
    outside = write(tmp_path / "elsewhere", "team.yaml", MINIMAL)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "team.yaml").symlink_to(outside)
    with pytest.raises(CorpusError, match=r"c/team\.yaml: leads to .*elsewhere/team\.yaml, outside .*c; copy"):
        load_corpus(tmp_path / "c")
    (tmp_path / "c" / "team.yaml").unlink()
    write(tmp_path / "c", "real.yaml", MINIMAL)
    (tmp_path / "c" / "alias.yml").symlink_to(tmp_path / "c" / "real.yaml")  # a link inside the corpus is fine
    assert [g.id for g in load_corpus(tmp_path / "c").glossaries] == ["alias", "real"]


def test_a_source_must_resolve_inside_the_sources_folder(tmp_path):
    from glossary_search.corpus import source_path

    write(tmp_path / "c", "team.yaml", "source: seed.txt\n" + MINIMAL)
    (tmp_path / "c" / "sources").mkdir()
    (tmp_path / "secret").write_text("root:x:0:0\n")
    (tmp_path / "c" / "sources" / "seed.txt").symlink_to(tmp_path / "secret")
    (g,) = load_corpus(tmp_path / "c").glossaries
    with pytest.raises(CorpusError, match=r"sources/seed\.txt: leads to .*secret, outside"):
        source_path(g, tmp_path / "c" / "sources")
    (tmp_path / "c" / "sources" / "seed.txt").unlink()
    (tmp_path / "c" / "sources" / "seed.txt").write_text("a seed\n")
    assert source_path(g, tmp_path / "c" / "sources").read_text() == "a seed\n"


def test_name_normalization_folds_case_plural_and_acronym():
    assert normalize_name("Customer Service Representatives (CSRs)") == normalize_name("customer service representative")
    assert normalize_name("Channels") == normalize_name("channel")
    assert normalize_name("Business") == "business"


def test_name_normalization_keeps_every_script_and_tells_c_sharp_from_c_plus_plus():
    assert normalize_name("Время ожидания") == "время ожидания" == normalize_name("ВРЕМЯ ОЖИДАНИЯ")
    assert normalize_name("平均处理时间") == "平均处理时间"
    assert normalize_name("Caf\u00e9 Queue") == normalize_name("Cafe\u0301 queue")  # NFC and NFD: one name
    assert normalize_name("Straße") == normalize_name("STRASSE")  # full case folding
    assert len({normalize_name(n) for n in ("C#", "C++", "C")}) == 3
    assert normalize_name("Wrap-up") == "wrap up" and normalize_name("Q&A") == "q a"


def test_content_hash_changes_with_one_edit(corpus_copy):
    before = load_corpus(corpus_copy).content_hash()
    path = corpus_copy / "customer-service-terms.yaml"
    path.write_text(path.read_text().replace("Likert Scale", "Likert Scales"))
    assert load_corpus(corpus_copy).content_hash() != before
