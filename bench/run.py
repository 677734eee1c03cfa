"""Benchmark the page in headless Chromium (figures, not test assertions).

    .venv/bin/python -m bench.run [--runs 5] [--write docs/PERFORMANCE.md]

Measures, over N runs each: cold start (new browser context: empty cache;
navigation -> data-app-state="ready"), warm start (reload in the same context,
HTTP cache primed, revalidated with 304s), bytes transferred and requests; and
the time the page takes to check three sample keys (bench/samples/), read from
the report's data-check-ms attribute that app.ui sets after each check.
Prints median and range.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import serve  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# performance marks set by app/main.py and app/ui (cold runs)
PHASES = [("cold: Pyodide + PyScript boot (navigation → Python runs)", "navigationStart", "py-start"),
          ("cold: load the wheels by URL", "py-start", "wheels-loaded"),
          ("cold: import app, wire the page", "wheels-loaded", "app-ready")]
SAMPLES = [("RSA-4096 OpenPGP key", "rsa4096.asc"), ("ed25519/cv25519 OpenPGP key", "ed25519.asc"),
           ("RSA-2048 S/MIME certificate", "rsa2048-cert.pem")]


def summary(xs: list[float], unit: str, fmt: str = "{:.0f}") -> str:
    return f"median {fmt.format(statistics.median(xs))} {unit} (range {fmt.format(min(xs))}–{fmt.format(max(xs))})"


def load(page, cdp, url: str) -> tuple[float, int, int]:
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", lambda e: sizes.__setitem__(e["requestId"], 0))
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=120_000)
    dt = (time.perf_counter() - t0) * 1000
    page.wait_for_load_state("networkidle")
    marks = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
        .map(m => [m.name, m.startTime]).concat([['navigationStart', 0]]))""")
    return dt, sum(sizes.values()), len(sizes), marks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", metavar="FILE", help="also write the figures as Markdown")
    a = ap.parse_args(argv)
    httpd = serve.make_server("127.0.0.1", 0, [])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    cold, warm, cold_bytes, warm_bytes, cold_reqs, warm_reqs = [], [], [], [], [], []
    checks: dict[str, list[float]] = {name: [] for name, _ in SAMPLES}
    phases: dict[str, list[float]] = {name: [] for name, _, _ in PHASES}
    with sync_playwright() as p:
        version = ""
        for _ in range(a.runs):
            # A new browser per run: a truly cold start, and no state carried over.
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            version = browser.version
            ctx = browser.new_context()
            page = ctx.new_page()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            ms, b, n, marks = load(page, cdp, url)
            cold.append(ms); cold_bytes.append(b); cold_reqs.append(n)
            for name, start, end in PHASES:
                if start in marks and end in marks:
                    phases[name].append(marks[end] - marks[start])
            cdp.detach()
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            ms, b, n, _ = load(page, cdp, url)
            warm.append(ms); warm_bytes.append(b); warm_reqs.append(n)
            for name, fname in SAMPLES:
                path = ROOT / "bench" / "samples" / fname
                if not path.exists() or page.locator("#enc-report").count() == 0:
                    continue
                page.evaluate("() => document.getElementById('enc-report').removeAttribute('data-check-ms')")
                page.locator("#enc-key").fill(path.read_text())
                try:
                    page.wait_for_selector("#enc-report[data-check-ms]", state="attached", timeout=30_000)
                except Exception:
                    continue
                checks[name].append(float(page.locator("#enc-report").get_attribute("data-check-ms")))
            ctx.close()
            browser.close()
    httpd.shutdown()
    lines = [
        f"Chromium {version} headless, loopback, serve.py (gzip), {a.runs} runs, {datetime.now(timezone.utc):%Y-%m-%d}",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| cold start (new browser → ready) | {summary(cold, 'ms')} |",
        f"| warm start (reload, HTTP cache) | {summary(warm, 'ms')} |",
        f"| bytes transferred, cold | {summary([b / 1024 for b in cold_bytes], 'KiB')} |",
        f"| bytes transferred, warm | {summary([b / 1024 for b in warm_bytes], 'KiB')} |",
        f"| requests, cold | {summary(cold_reqs, '')} |",
        f"| requests, warm | {summary(warm_reqs, '')} |",
    ]
    for name, xs in phases.items():
        if xs:
            lines.append(f"| {name} | {summary(xs, 'ms')} |")
    for name, xs in checks.items():
        if xs:
            lines.append(f"| key check in the page: {name} | {summary(xs, 'ms', '{:.1f}')} |")
    text = "\n".join(lines)
    print(text)
    if a.write:
        out = ROOT / a.write
        body = out.read_text() if out.exists() else "# Performance\n"
        marker = "<!-- bench:start -->"
        end = "<!-- bench:end -->"
        block = f"{marker}\nCommand: `.venv/bin/python -m bench.run --write {a.write}`\n\n{text}\n{end}"
        if marker in body:
            body = body[:body.index(marker)] + block + body[body.index(end) + len(end):]
        else:
            body = body.rstrip() + "\n\n" + block + "\n"
        out.write_text(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
