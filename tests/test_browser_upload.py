"""Add a glossary in a real browser (issue 16): upload a CSV, read the preview, add it, find its terms; a broken
file is one sentence of error and writes nothing; uploaded text is shown as text."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .browser_support import HAVE_CHROMIUM, PHONE, WIDE, app_server, chromium, settle, shoot
from glossary_search.termbase import MAX_IMPORT_BYTES, MAX_IMPORT_MB

from .conftest import CORPUS, seeded_index

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if not HAVE_CHROMIUM:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

HOSTILE = "Shown as text: ![x](http://example.com/x.png) and <b>bold</b>."
# Three entries, a repeated header (skipped, with its reason) and a blank row; one name carries its acronym.
TEAM_CSV = f"""term,definition,aliases
Average Handle Time (AHT),"Talk, hold and wrap-up time of one contact, averaged over a shift.",Handling Time
term,definition,aliases
Voicemail Sweep,"The hour each morning when supervisors return every voicemail that premium customers left overnight.",
,,
Markup Check,"{HOSTILE}",
""".encode()
QUESTION = "when are the voicemails premium customers left overnight returned"


def corpus_state(corpus: Path) -> dict[str, bytes]:
    return {str(p.relative_to(corpus)): p.read_bytes() for p in sorted(corpus.rglob("*")) if p.is_file()}


def upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data})
    settle(page)


def main_text(page) -> str:
    """What a reader sees, without the invisible word joiners that keep URLs from becoming links."""
    return page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def test_upload_preview_add_then_ask_and_broken_files_write_nothing(built_index, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in CORPUS.glob("*.yaml"):
        shutil.copy(p, corpus / p.name)
    index = seeded_index(built_index, tmp_path / "index")  # only the new entries get embedded
    with chromium() as browser, app_server(index, tmp_path, corpus) as url:
        page = browser.new_page(viewport=WIDE)
        page.goto(f"{url}/?view=add")
        page.get_by_text("Glossary file").first.wait_for(timeout=240_000)
        settle(page)
        page.reload()  # the view is in the URL: a reload stays on it
        page.get_by_text("Glossary file").first.wait_for(timeout=60_000)
        settle(page)
        before = corpus_state(corpus)
        error = page.locator('[data-testid="stAlertContentError"]')

        # Over the limit: the uploader refuses it unsent, in the unit the page states ("Up to 5 MB").
        upload(page, "huge.csv", b"x" * (MAX_IMPORT_BYTES + 1))
        uploader = page.locator('[data-testid="stFileUploader"]')
        assert f"File must be {MAX_IMPORT_MB:.1f}MB or smaller." in uploader.inner_text()
        assert f"Up to {MAX_IMPORT_MB}\u00a0MB." in main_text(page)
        assert page.get_by_role("button", name="to the corpus").count() == 0 and error.count() == 0
        shoot(page, "add-too-large-1400")

        # Broken files: one sentence of error each, no button to add, nothing written.
        for name, data, says in (("![x](x.png) <b>b.csv", b"  \n", "![x](x.png) <b>b.csv: the file is empty."),
                                 ("notes.xlsx", b"not a workbook", "notes.xlsx: not an Excel .xlsx workbook"),
                                 ("team.docx", b"PK\x03\x04", "team.docx: cannot tell the format from the "
                                  "extension '.docx'; valid formats: csv, tsv, xlsx, tbx, txt, yaml."),
                                 ("page.tbx", b"<html><body>hello</body></html>", "page.tbx:"),
                                 ("words.csv", b"Name,Text\nQueue,Waiting.\n",
                                  "words.csv: row 1: no 'definition' column")):
            upload(page, name, data)
            assert error.count() == 1, name
            assert says in error.inner_text().replace("\u2060", ""), error.inner_text()
            assert page.get_by_role("button", name="to the corpus").count() == 0
            assert page.locator('[data-testid="stMain"]').locator("img, b").count() == 0  # the name is text
        shoot(page, "add-error-1400")
        # The error says what to do: choose the columns (as --columns does in the command line).
        page.get_by_text("Options: columns").click()
        columns = page.get_by_role("textbox", name="Columns")
        columns.fill("term=Name,definition=Text")
        columns.press("Enter")
        settle(page)
        # On a loaded machine the run can start after settle's first poll: wait for the preview it draws.
        page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
        assert error.count() == 0
        assert [m.inner_text() for m in page.locator('[data-testid="stMetricValue"]').all()] == ["1", "0", "0"]
        columns.fill("")
        columns.press("Enter")
        settle(page)
        # A first row that names no known column is read as an entry, and the preview says so.
        upload(page, "odd.csv", b"foo,bar\n1,2\n")
        page.locator('[data-testid="stAlertContentWarning"]').wait_for(timeout=60_000)
        assert "No header row names a term and a definition column" in main_text(page)
        # An id already in use is refused before anything is written.
        id_box = page.get_by_role("textbox", name="Id (optional)")
        id_box.fill("office-gurus-bpo")
        id_box.press("Enter")
        settle(page)
        upload(page, "team.csv", TEAM_CSV)
        assert error.count() == 1 and "glossary id 'office-gurus-bpo' is already used" in error.inner_text()
        id_box.fill("")
        id_box.press("Enter")
        settle(page)
        assert corpus_state(corpus) == before

        # The preview: counts, the skipped rows with their reasons, the acronym split, text shown as text.
        title_box = page.get_by_role("textbox", name="Title (optional)")
        title_box.fill("Team Terms")
        title_box.press("Enter")
        settle(page)
        assert error.count() == 0
        text = main_text(page)
        assert "Preview: Team Terms (team)" in text
        assert "No header row" not in text
        metrics = [m.inner_text() for m in page.locator('[data-testid="stMetricValue"]').all()]
        assert metrics == ["3", "2", "1"]  # entries read, rows skipped, acronyms split
        skipped = page.locator('[data-testid="stTable"]').first.locator("tbody tr")
        assert [[c.strip() for c in r.split("\t")] for r in skipped.all_inner_texts()] == [
            ["row 3", "the header repeated"], ["row 5", "blank row"]]
        assert "Average Handle Time (AHT)" in text
        assert HOSTILE in text
        main = page.locator('[data-testid="stMain"]')
        assert main.locator('img[src*="example.com"], a[href*="example.com"], b').count() == 0
        assert corpus_state(corpus) == before  # a preview writes nothing
        shoot(page, "add-preview-1400")
        page.set_viewport_size(PHONE)
        page.get_by_text("Rows skipped").scroll_into_view_if_needed()
        shoot(page, "add-preview-390")
        page.set_viewport_size(WIDE)

        # Add: the glossary is written, the engine sees it, and its page lists the entries.
        page.get_by_role("button", name="Add 3 entries to the corpus").click()
        page.get_by_text("Added 3 entries").wait_for(timeout=180_000)
        settle(page)
        page.get_by_text("Index update").click()
        settle(page)
        update = page.locator('[data-testid="stExpander"]').filter(has_text="Index update")
        figures = dict(zip([m.inner_text() for m in update.locator('[data-testid="stMetricLabel"]').all()],
                           [m.inner_text() for m in update.locator('[data-testid="stMetricValue"]').all()]))
        assert figures["Entries embedded"] == "3" and figures["Entries reused"] == "236", figures  # only the new ones
        assert re.fullmatch(r"\d+\.\d s", figures["Time taken"]), figures
        shown = update.inner_text()
        assert not re.search(r"[0-9a-f]{12}|stale|corpus_hash", shown), shown  # no internal hashes
        assert (corpus / "team.yaml").is_file()
        assert [p.name.startswith("team_") for p in (corpus / "sources").iterdir()] == [True]
        shoot(page, "add-done-1400")
        page.get_by_role("button", name="Open Team Terms").click()
        settle(page)
        assert page.locator("h1").first.inner_text() == "Team Terms"
        text = main_text(page)
        assert "Voicemail Sweep" in text and "Average Handle Time (AHT)" in text
        shoot(page, "add-glossary-1400")
        with page.expect_download() as download:  # the glossary as `export --format csv -g team` writes it
            page.get_by_role("button", name="⬇ CSV").click()
        assert download.value.suggested_filename == "team.csv"
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert exported.startswith("glossary,id,term,acronym,aliases,see,definition")
        assert "team#1,Average Handle Time,AHT,Handling Time" in exported and HOSTILE in exported

        # The same file again is refused: imported already.
        page.get_by_role("button", name="← Back").click()
        settle(page)
        written = corpus_state(corpus)
        upload(page, "team.csv", TEAM_CSV)
        assert "already imported as glossary 'team'" in error.inner_text()
        assert corpus_state(corpus) == written

        # Ask: a question only the new glossary answers finds its term first.
        page.get_by_role("radiogroup", name="View").get_by_text("Ask", exact=True).click()
        settle(page)
        box = page.get_by_placeholder("e.g. how do I measure wait time")
        box.fill(QUESTION)
        box.press("Enter")
        settle(page)
        assert page.locator("h3").first.inner_text().strip() == "Voicemail Sweep"
        shoot(page, "add-ask-1400")
        page.close()
