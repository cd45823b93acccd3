"""Start ``simlib whatif`` on a free loopback port and drive its page (for tests and the
browser benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def whatif_server(
    data: str | Path | None = None,
    plan: str | Path | None = None,
    scenarios: str | Path | None = None,
    timeout: float = 120.0,
    lang: str | None = None,
) -> Iterator[str]:
    """Run ``simlib whatif --no-browser`` (``--lang`` when given) and yield its URL once
    it answers."""
    from simlib.workbench.whatif.serve import free_port

    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "simlib.workbench.cli",
        "whatif",
        "--no-browser",
        "--port",
        str(port),
    ]
    if data:
        cmd.insert(4, str(data))
    if plan:
        cmd += ["--plan", str(plan)]
    if scenarios:
        cmd += ["--scenarios", str(scenarios)]
    if lang:
        cmd += ["--lang", lang]
    log = open(os.devnull, "w")
    proc = subprocess.Popen(cmd, cwd=str(ROOT), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"simlib whatif exited with {proc.returncode}: {cmd}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"simlib whatif did not answer on {url}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def open_page(page, url: str, timeout_ms: int = 180_000) -> None:
    """Load the page and wait until the kernel has drawn the figures."""
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector('td[data-metric="total_payout"][data-col="now"]', timeout=timeout_ms)


def shown(page, metric: str = "total_payout", col: str = "now") -> float:
    cell = page.locator(f'td[data-metric="{metric}"][data-col="{col}"]')
    return float(cell.get_attribute("data-value"))


def control(page, key: str):
    """The slider (or checkbox) of one control."""
    return page.locator(f".control-{key.replace('.', '-')}")


def nudge(page, key: str, presses: int) -> None:
    """Move a slider by ``presses`` steps with the keyboard (negative: left)."""
    handle = control(page, key).locator(".noUi-handle")
    handle.focus()
    key_name = "ArrowRight" if presses > 0 else "ArrowLeft"
    for _ in range(abs(presses)):
        handle.press(key_name)
    # continuous_update is off: the value is sent when the handle is let go.
    handle.blur()


def wait_changed(page, before: float, metric: str = "total_payout", timeout_ms: int = 30_000):
    """Wait until the shown figure differs from ``before``; return it."""
    page.wait_for_function(
        """([m, v]) => {
            const c = document.querySelector(`td[data-metric="${m}"][data-col="now"]`);
            return c && parseFloat(c.dataset.value) !== v;
        }""",
        arg=[metric, before],
        timeout=timeout_ms,
    )
    return shown(page, metric)


def wait_for_plan(page, signature: str, timeout_ms: int = 30_000) -> float:
    """Wait until the figures are those of the plan with exactly these moves
    (``key=value;...``, as the page states them); return the shown total."""
    page.wait_for_selector(f'table.simlib-totals[data-for="{signature}"]', timeout=timeout_ms)
    return shown(page)
