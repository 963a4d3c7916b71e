"""The duplicates review in a real browser: a decision saved in the app survives an app restart and can be
undone."""
from __future__ import annotations

import re
import shutil

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, PHONE, WIDE, app_server, settle, shoot
from .conftest import CORPUS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if not HAVE_CHROMIUM:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def open_duplicates(page, url: str) -> None:
    page.goto(f"{url}/?view=duplicates")
    page.locator('[class*="st-key-group-0"]').wait_for(timeout=240_000)
    settle(page)


def test_a_review_decision_survives_a_restart_and_can_be_undone(shared_index, tmp_path):
    from playwright.sync_api import sync_playwright

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in CORPUS.glob("*.yaml"):  # same entries as the real corpus: the shared index fits it
        shutil.copy(p, corpus / p.name)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with app_server(shared_index, tmp_path, corpus) as url:
            page = browser.new_page(viewport=WIDE)
            open_duplicates(page, url)
            group = page.locator('[class*="st-key-group-0"]')
            title = group.locator("strong").first.inner_text()
            group.get_by_role("button", name="Related", exact=True).first.click()
            settle(page)
            assert (corpus / "decisions.yaml").is_file()
            assert "verdict: related" in (corpus / "decisions.yaml").read_text()
            page.close()
        with app_server(shared_index, tmp_path, corpus) as url:  # a new server: nothing kept in memory
            page = browser.new_page(viewport=WIDE)
            page.goto(f"{url}/?view=duplicates&show=related")
            reviewed = page.locator('[class*="st-key-group-"]').filter(has_text="reviewed: related")
            reviewed.first.wait_for(timeout=240_000)
            settle(page)
            assert reviewed.count() == 1 and title in reviewed.first.inner_text()
            shoot(page, "review-1400")
            page.set_viewport_size(PHONE)
            settle(page)
            shoot(page, "review-390")
            page.set_viewport_size(WIDE)
            reviewed.first.get_by_role("button", name="Undo").first.click()
            settle(page)
            assert not (corpus / "decisions.yaml").exists()  # undoing the only review removes the file
            assert page.locator('[class*="st-key-group-"]').filter(has_text="reviewed: related").count() == 0
            not_the_same(page, url, corpus)
        browser.close()


def not_the_same(page, url: str, corpus) -> None:
    """'Not the same' on Contact Center: the group leaves the list, a line names it with Undo, Show: Reviewed
    keeps it reachable, the term page and the result cards follow, and Undo brings it all back."""
    page.goto(f"{url}/?view=duplicates")
    group = page.locator('[class*="st-key-group-"]').filter(
        has=page.locator("strong", has_text=re.compile(r"^Contact Center$")))
    group.first.wait_for(timeout=60_000)
    settle(page)
    group.first.get_by_role("button", name="Not the same").click()
    settle(page)
    done = page.locator('[class*="st-key-review-done"]')
    assert "Saved “Contact Center” as not the same" in done.inner_text()
    toast = page.get_by_test_id("stToast")  # in view wherever the page is scrolled
    assert toast.count() == 1 and "Saved “Contact Center” as not the same" in toast.inner_text()
    shoot(page, "review-not-the-same-1400")
    done.scroll_into_view_if_needed()
    assert group.count() == 0 and "verdict: different" in (corpus / "decisions.yaml").read_text()
    shoot(page, "review-not-the-same-inline-1400")
    page.goto(f"{url}/?term=contact-center-faq%231")
    page.get_by_text("Reviewed as not the same concept:").wait_for(timeout=60_000)
    apart = page.locator('[class*="st-key-apart-"] button')
    apart.first.wait_for(timeout=60_000)
    settle(page)
    assert apart.count() == 1 and apart.inner_text().strip() == "Contact Center · Office Gurus"
    page.goto(f"{url}/?q=contact+center")
    page.locator("h3").first.wait_for(timeout=60_000)
    settle(page)
    assert [t.strip() for t in page.locator("h3").all_inner_texts()].count("Contact Center") == 2
    page.goto(f"{url}/?view=duplicates&show=reviewed")
    row = page.locator('[class*="st-key-reviewed-0"]')
    row.wait_for(timeout=60_000)
    settle(page)
    assert "reviewed: not the same" in row.inner_text()
    row.get_by_role("button", name="Undo").click()
    settle(page)
    assert not (corpus / "decisions.yaml").exists()  # undoing the only review removes the file
    assert page.get_by_text("No review decisions yet").count() == 1
