"""The loader refuses bad glossary files with a message naming file, line, entry and field."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_a_huge_definition_loads(tmp_path):
    write(tmp_path / "c", "team.yaml", MINIMAL.replace("Work after the call ends.", "word " * 50_000))
    assert len(load_corpus(tmp_path / "c").entries[1].definition) > 200_000


def test_name_normalization_folds_case_plural_and_acronym():
    assert normalize_name("Customer Service Representatives (CSRs)") == normalize_name("customer service representative")
    assert normalize_name("Channels") == normalize_name("channel")
    assert normalize_name("Business") == "business"


def test_content_hash_changes_with_one_edit(corpus_copy):
    before = load_corpus(corpus_copy).content_hash()
    path = corpus_copy / "customer-service-terms.yaml"
    path.write_text(path.read_text().replace("Likert Scale", "Likert Scales"))
    assert load_corpus(corpus_copy).content_hash() != before
