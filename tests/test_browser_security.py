"""A hostile glossary and hostile URLs in a real browser: the page fetches nothing from outside the app and
shows no link or image made of corpus or URL text (issue 17, items 1-3)."""
from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest

from .browser_support import HAVE_CHROMIUM, PHONE, WIDE, app_server, chromium, settle, shoot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if not HAVE_CHROMIUM:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

EVIL = "evil.example"
HOSTILE = f"""\
id: hostile
title: "Evil [phish](http://{EVIL}/title) ![t](http://{EVIL}/title.png) <img src=http://{EVIL}/t.png>"
short_title: "![s](http://{EVIL}/s)"
entries:
  - term: "Average Handle Time [login](http://{EVIL}/phish)"
    acronym: "![a](http://{EVIL}/a.png)"
    aliases: ["<img src=http://{EVIL}/alias.png>", "[alias](http://{EVIL}/alias)"]
    question: "What is ![q](http://{EVIL}/q.png)?"
    definition: "Mean time per contact. ![d](http://{EVIL}/d.png) [click](http://{EVIL}/d) <b>x</b> <script>alert(1)</script> :material/home:"
  - term: "Net Promoter Score :material/home: ![n](http://{EVIL}/n.png)"
    see: "![see](http://{EVIL}/see.png)"
    definition: "See ![see](http://{EVIL}/see.png)."
  - term: "Wait Time"
    definition: "Time a customer waits in the queue before an agent answers. https://{EVIL}/autolink"
  - term: "Queue Time"
    definition: "Time a customer waits in the queue before an agent answers. ![w](http://{EVIL}/w.png)"
"""
PATHS = [
    "/",
    "/?q=" + quote("average handle time"),
    "/?q=" + quote("net promoter score"),
    "/?q=" + quote(f"![x](http://{EVIL}/q.png) [y](http://{EVIL}/q) <img src=http://{EVIL}/q2.png>"),
    "/?term=" + quote("hostile#1"),
    "/?term=" + quote("hostile#2"),
    "/?term=" + quote(f"[Your session expired: log in here](http://{EVIL}/phish)"),
    "/?term=" + quote(f"![r](http://{EVIL}/x)"),
    "/?glossary=hostile",
    "/?glossary=" + quote(f"![g](http://{EVIL}/g.png)"),
    "/?view=browse",
    "/?view=browse&filter=" + quote(f"![f](http://{EVIL}/f.png)") + "&letter=" + quote(f"[l](http://{EVIL})"),
    "/?view=duplicates&show=all",
    "/?view=duplicates&page=" + quote(f"![p](http://{EVIL}/p.png)") + "&show=" + quote(f"[s](http://{EVIL})"),
    "/?view=explore&focus=" + quote("hostile#1"),
    "/?view=explore&focus=" + quote(f"![f](http://{EVIL}/f.png)"),
    "/?view=" + quote(f"![v](http://{EVIL}/v.png)") + "&g=" + quote(f"[g](http://{EVIL})") + "&k="
    + quote(f"![k](http://{EVIL}/k.png)"),
    "/?k=" + quote("²") + "&q=nps",  # a digit that int() refuses
    "/?view=duplicates&page=" + quote("²"),
]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    with app_server(tmp_path_factory.mktemp("hostile-index"), tmp_path_factory.mktemp("logs"), corpus) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def text(locator) -> str:
    """What a reader sees, without the invisible word joiners that keep URLs from becoming links."""
    return locator.inner_text().replace("\u2060", "").strip()


def local(url: str, app_url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or url.startswith(app_url) or (
        parsed.scheme in ("ws", "wss") and parsed.hostname == "127.0.0.1")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1400", "390"])
def test_hostile_corpus_and_urls_fetch_nothing_outside_and_show_no_link_or_image(browser, hostile_app, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    # Every path at 1400 px; the phone layout (other widgets, a collapsed sidebar) on the pages with corpus text.
    paths = PATHS if viewport is WIDE else PATHS[:6]
    for n, path in enumerate(paths):
        page.goto(hostile_app + path)
        page.locator('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]').first.wait_for(
            timeout=240_000)
        settle(page)
        for frame in page.frames:  # the page and any frame inside it
            assert frame.locator(f'a[href*="{EVIL}"]').count() == 0, path
            assert frame.locator(f'img[src*="{EVIL}"], image[href*="{EVIL}"]').count() == 0, path
        assert page.locator('[data-testid="stException"]').count() == 0, path
        outside = [u for u in requests if not local(u, hostile_app)]
        assert not outside, (path, outside)
        if n in (1, 4):
            shoot(page, f"hostile-{'term' if n == 4 else 'ask'}-{viewport['width']}")
    context.close()


def test_hostile_text_is_shown_as_text(browser, hostile_app):
    page = browser.new_page(viewport=WIDE)
    page.goto(hostile_app + "/?term=" + quote("hostile#1"))
    page.locator("h1").first.wait_for(timeout=240_000)
    settle(page)
    assert text(page.locator("h1").first) == (
        f"Average Handle Time [login](http://{EVIL}/phish) (![a](http://{EVIL}/a.png))")
    body = text(page.locator('[data-testid="stMain"]'))
    assert f"[click](http://{EVIL}/d)" in body and "<script>alert(1)</script> :material/home:" in body
    page.goto(hostile_app + "/?term=" + quote(f"[Your session expired: log in here](http://{EVIL}/phish)"))
    page.get_by_text("No term with id").wait_for(timeout=60_000)
    assert f"[Your session expired: log in here](http://{EVIL}/phish)" in text(page.get_by_text("No term with id"))
    page.close()
