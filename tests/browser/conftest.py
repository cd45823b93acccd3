"""Browser fixtures: Playwright for Python driving the system's Chromium.

The browser is the Debian ``chromium`` package (``/usr/bin/chromium``), never a
browser build downloaded by Playwright. In CI (``CI`` set) a missing browser is a
failure; elsewhere the browser tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Flags that keep Chromium from reaching out to the network on start (this matters
# where the network is closed) and let it run as root in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Where browser tests write screenshots (not committed: reports/ is git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "browser-tests"


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs every browser test: .ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator:
    """Playwright's sync API, started once per session (it cannot be started twice)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator:
    """A headless Chromium driven by Playwright, shared by the session's tests."""
    path = chromium_path()
    if path is None:
        _missing("no Chromium found on PATH (Debian: apt-get install chromium)")
    b = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh page at 1366x768, the screen an executive reads reports on."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder browser tests write their screenshots to."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@pytest.fixture(scope="session")
def cjk_browser(playwright, tmp_path_factory) -> Iterator:
    """A headless Chromium on a machine with a Chinese font, as a Chinese reader's
    machine has: fontconfig sees the system's fonts and Noto Sans SC (the font the
    Chinese charts use, from the ``pylopdf-fonts-zh-cn`` package)."""
    path = chromium_path()
    if path is None:
        _missing("no Chromium found on PATH (Debian: apt-get install chromium)")
    import pylopdf_fonts_zh_cn

    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{Path(pylopdf_fonts_zh_cn.sans_path()).parent}</dir>"
        f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    b = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS, env=env)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def cjk_page(cjk_browser) -> Iterator:
    """A fresh page at 1366x768 in the Chinese-font browser."""
    context = cjk_browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
