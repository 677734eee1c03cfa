"""The signed-in overview in each language, for review and the docs.

    .venv/bin/python -m tools.language_screenshots [--langs de,ar] [--out docs/screenshots/languages]

Serves the real page against the contract test server (0.16), picks the
language in the page's switch, signs in and writes
``<out>/overview-<lang>-<1280|390>-light.png``. Fails if the page scrolls
sideways at 360 px in that language.
"""
from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import serve  # noqa: E402
from tools import bundle  # noqa: E402
from app.i18n import LANGUAGES  # noqa: E402
from tests.e2e.helpers import ALICE, fits, sign_in_basic  # noqa: E402
from tests.fakestalwart import FakeStalwart  # noqa: E402
from tools.screenshots import FLAGS  # noqa: E402

WIDTHS = (1280, 390)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "languages"))
    ap.add_argument("--langs", default=",".join(LANGUAGES), help="comma-separated language codes")
    a = ap.parse_args(argv)
    bundle.build(quiet=False)  # photograph the current app/, never a stale bundle
    langs = [x for x in a.langs.split(",") if x]
    unknown = [x for x in langs if x not in LANGUAGES]
    if unknown:
        ap.error(f"unknown language(s) {unknown}; choose from {', '.join(LANGUAGES)}")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    srv = FakeStalwart(generation="0.16", cors=True).start()
    httpd = serve.make_server("127.0.0.1", 0, [srv.url])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for lang in langs:
                ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                                          color_scheme="light")
                page = ctx.new_page()
                page.set_default_timeout(30_000)
                page.goto(site + "?server=" + srv.url)
                page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=90_000)
                page.select_option("#lang", lang)
                sign_in_basic(page, *ALICE)
                fits(page, f"overview in {lang}")
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
                    page.wait_for_timeout(100)
                    page.screenshot(path=str(out / f"overview-{lang}-{width}-light.png"), full_page=True)
                print(f"  {lang}")
                ctx.close()
            browser.close()
    finally:
        httpd.shutdown()
        srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
