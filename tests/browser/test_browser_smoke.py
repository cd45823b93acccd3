"""The browser under test starts, renders a page and takes a screenshot."""

from __future__ import annotations


def test_chromium_renders_a_local_page(page, scratch, screenshots):
    html = scratch / "hello.html"
    html.write_text("<html><head><title>simlib</title></head><body><h1>简体中文</h1></body></html>")
    page.goto(html.as_uri())
    assert page.title() == "simlib"
    assert page.locator("h1").inner_text() == "简体中文"
    shot = screenshots / "smoke.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 0
