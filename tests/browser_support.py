"""Helpers for the browser tests: start `streamlit run app.py` on a free port, drive Debian's Chromium."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WIDE, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}
HAVE_CHROMIUM = os.path.exists(CHROMIUM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(index_dir: Path, log_dir: Path, corpus_dir: Path | None = None):
    """Yield the URL of a running app; stop it (by its own process id) afterwards."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GLOSSARY_SEARCH_INDEX": str(index_dir)}
    if corpus_dir is not None:
        env["GLOSSARY_SEARCH_CORPUS"] = str(corpus_dir)
    log = open(log_dir / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start; see {log.name}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def settle(page, timeout: float = 120_000) -> None:
    """Wait until the app's script run that an action started has finished and nothing on the page is stale."""
    app = page.locator('[data-testid="stApp"]')
    try:  # the run may start a moment after the click or key press, or may already be over
        app.and_(page.locator('[data-test-script-state="running"]')).wait_for(timeout=1_500)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the run was quicker than the poll
        pass
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
    page.locator('[data-stale="true"]').first.wait_for(state="detached", timeout=timeout)
    page.wait_for_timeout(250)


def shoot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # Widgets' code loads after the run: wait for their placeholders to fill in.
    try:
        page.locator('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]').first.wait_for(
            state="detached", timeout=20_000)
    except Exception:  # noqa: BLE001 - a screenshot with a placeholder left is still worth saving
        pass
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    return path


@contextlib.contextmanager
def chromium():
    """Debian's Chromium under Playwright, with the flags this closed network needs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
