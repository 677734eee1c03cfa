"""Benchmark the page against today's page and a bare loadPyodide page, in one run.

    .venv/bin/python -m bench.run [--rounds 5] [--write docs/PERFORMANCE.md]
                                  [--variants today,page,bare,...] [--profiles loopback,throttled]

Each round visits every variant in turn (interleaved, so drift hits all alike), on
every network profile: loopback, and throttled to 40 ms round trip and 25 Mbit/s
through the DevTools protocol. Per variant and profile, a browser with a new
profile makes a cold visit, then a warm one (same tab, reload); the browser is
closed and started again on that profile for the return visit. Then (loopback)
it signs in to the contract server (tests/fakestalwart) and checks three keys.

Times are navigation -> data-app-state="ready" (the page's "app-ready" mark).
Printed: medians, ranges, and ratios (median of the per-round ratios) to today's
page and to the bare page; first paint; the longest task after ready; bytes and
requests the server answered (what the page and its service worker fetched);
JS heap and wasm memory after ready and after sign-in; key-check times.
Today's page is built from git (--baseline, default d89bccb) in a temporary
worktree outside the repository, removed at the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import measure, variants  # noqa: E402
from tests.fakestalwart import FakeStalwart  # noqa: E402

LOGIN = ("alice@example.com", "correct horse battery staple")
MODES = ("cold", "warm", "return")
DEFAULT_VARIANTS = "today,before,page,bare,direct,fullstd,late,nosw,static"
# performance marks: boot.js/runtime.mjs (runtime-*), app/main.py (py-start), app.ui (app-ready)
PHASES = [("until the runtime starts (shell painted, scripts loaded)", "navigation", "runtime-start"),
          ("runtime: download, compile, Python start", "runtime-start", "runtime-ready"),
          ("PyScript, until app/main.py runs", "runtime-ready", "py-start"),
          ("import app/, wire the page", "py-start", "app-ready")]
TARGETS = [  # (what, profile, mode, against, limit): issue 20's
    ("loopback cold ≤ 0.45× bare loadPyodide", "loopback", "cold", "bare", 0.45),
    ("throttled cold ≤ 0.6× bare loadPyodide", "throttled", "cold", "bare", 0.6),
    ("loopback warm ≤ 0.3× bare loadPyodide", "loopback", "warm", "bare", 0.3),
    ("loopback return ≤ 0.3× bare loadPyodide", "loopback", "return", "bare", 0.3),
    ("throttled warm ≤ 0.3× bare loadPyodide", "throttled", "warm", "bare", 0.3),
    ("throttled return ≤ 0.3× bare loadPyodide", "throttled", "return", "bare", 0.3),
]
USABLE_MS, EARLY_MS, FIRST_VISIT_KIB = 1000, 500, 5_000_000 / 1024  # form usable; before ready; 5 MB


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(xs, unit="", nd=0):
    if not xs:
        return "–"
    f = f"{{:.{nd}f}}"
    if min(xs) == max(xs):
        return f"{f.format(med(xs))}{unit}"
    return f"{f.format(med(xs))}{unit} ({f.format(min(xs))}–{f.format(max(xs))})"


class Results:
    def __init__(self):
        self.v = defaultdict(list)   # (variant, profile, mode, metric) -> [values per round]

    def add(self, variant, profile, mode, metric, value):
        if value is not None:
            self.v[(variant, profile, mode, metric)].append(value)

    def get(self, *key):
        return self.v.get(key, [])

    def ratio(self, variant, against, profile, mode):
        a, b = self.get(variant, profile, mode, "ready"), self.get(against, profile, mode, "ready")
        rs = [x / y for x, y in zip(a, b) if y]
        return med(rs) if rs else float("nan")


def one(p, variant, site, url, profile, res, tmp, rnd, server_url):
    """Cold and warm visits in a browser on a new profile, then the return visit
    after starting the browser again on that profile."""
    udd = tmp / f"profile-{variant.name}-{profile}-{rnd}"
    url += f"?server={server_url}" if variant.ui else ""
    warm_up = variant.ui and variant.name != "today"

    def record(mode, v):
        early = None if v.usable_ms is None else v.ready_ms - v.usable_ms
        for metric, value in [("ready", v.ready_ms), ("paint", v.first_paint_ms), ("kib", v.kib),
                              ("requests", v.requests), ("longtask", v.longest_after_ready_ms),
                              ("usable", v.usable_ms), ("early", early), ("kib-total", v.kib + v.kib_after)]:
            res.add(variant.name, profile, mode, metric, value)
        marks = {"navigation": 0.0, **v.marks}
        for name, a, b in PHASES:
            if a in marks and b in marks:
                res.add(variant.name, profile, mode, "phase " + name, marks[b] - marks[a])

    for session in ("first", "again"):
        ctx = p.chromium.launch_persistent_context(str(udd), executable_path="/usr/bin/chromium",
                                                   args=measure.FLAGS, headless=True)
        try:
            ctx.add_init_script(measure.INIT)
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            cdp = measure.throttle(page, ctx, profile == "throttled")
            if session == "first":
                record("cold", measure.visit(page, site, url, "goto", warm_up))
                if profile == "loopback":
                    heap, wasm = measure.memory(page, cdp)
                    res.add(variant.name, profile, "cold", "heap", heap)
                    res.add(variant.name, profile, "cold", "wasm", wasm)
                measure.settle_worker(page)  # as a user would: the next visit is seconds later
                record("warm", measure.visit(page, site, url, "reload", warm_up))
                measure.settle_worker(page)
                continue
            record("return", measure.visit(page, site, url, "goto", warm_up))
            if profile == "loopback" and variant.ui:
                for name, ms in measure.key_checks(page).items():
                    res.add(variant.name, profile, "check", name, ms)
                measure.sign_in(page, server_url, *LOGIN)
                heap, wasm = measure.memory(page, cdp)
                res.add(variant.name, profile, "signed-in", "heap", heap)
                res.add(variant.name, profile, "signed-in", "wasm", wasm)
        finally:
            ctx.close()


def report(res: Results, names: list[str], labels: dict, profiles: list[str], rounds: int, version: str,
           load: tuple[float, float] | None = None) -> str:
    out = [f"Chromium {version} headless, {rounds} interleaved rounds, {datetime.now(timezone.utc):%Y-%m-%d}; "
           f"server: bench/server.py (serve.py's headers, the build's brotli/gzip copies, else gzip; "
           f"`immutable` for versioned files, `no-cache` for the rest; today's page: `no-cache` for all, "
           f"as it was served)"
           + (f"; machine load (1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end" if load else ""), ""]
    for profile in profiles:
        out += [f"**{profile}**" + (" (40 ms round trip, 25 Mbit/s, DevTools protocol)" if profile == "throttled" else ""),
                "",
                "| variant | cold ms | warm ms | return ms | cold ×bare | warm ×bare | return ×bare | cold ×today |",
                "|---|---|---|---|---|---|---|---|"]
        for n in names:
            cells = [fmt(res.get(n, profile, m, "ready")) for m in MODES]
            cells += [f"{res.ratio(n, 'bare', profile, m):.2f}" if "bare" in names else "–" for m in MODES]
            cells += [f"{res.ratio(n, 'today', profile, 'cold'):.2f}" if "today" in names else "–"]
            out.append(f"| {labels[n]} | " + " | ".join(cells) + " |")
        out += ["", "| variant | sign-in form usable ms (cold / warm / return) | …before ready ms (cold) | "
                    "first paint ms (cold / warm / return) | longest task after ready ms "
                    "(cold / warm / return) | KiB cold until ready / with the warm-up; warm / return | "
                    "requests cold / warm / return |",
                "|---|---|---|---|---|---|---|"]
        for n in names:
            usable, paint, lt, req = (" / ".join(fmt(res.get(n, profile, m, metric)) for m in MODES)
                                      for metric in ("usable", "paint", "longtask", "requests"))
            kib = (f"{fmt(res.get(n, profile, 'cold', 'kib'))} / {fmt(res.get(n, profile, 'cold', 'kib-total'))}; "
                   + " / ".join(fmt(res.get(n, profile, m, "kib")) for m in MODES[1:]))
            early = fmt(res.get(n, profile, "cold", "early"))
            out.append(f"| {labels[n]} | {usable} | {early} | {paint} | {lt} | {kib} | {req} |")
        out.append("")
    if "page" in names:
        out += ["**where the page's start goes** (the page now; medians, ms)", "",
                "| phase | " + " | ".join(f"{p} {m}" for p in profiles for m in MODES) + " |",
                "|---|" + "---|" * (len(MODES) * len(profiles))]
        for name, _, _ in PHASES:
            out.append(f"| {name} | " + " | ".join(fmt(res.get("page", p, m, "phase " + name))
                                                  for p in profiles for m in MODES) + " |")
        out.append("")
    if "loopback" in profiles:
        out += ["**memory and key checks** (loopback; memory after a cold start, and after signing in to the "
                "contract server; key checks after the warm-up, in the page)", "",
                "| variant | JS heap MiB ready / signed in | wasm memory MiB ready / signed in | "
                + " | ".join(f"check {name} ms" for name, _ in measure.SAMPLES) + " |",
                "|---|---|---|" + "---|" * len(measure.SAMPLES)]
        for n in names:
            heap = f"{fmt(res.get(n, 'loopback', 'cold', 'heap'), nd=1)} / {fmt(res.get(n, 'loopback', 'signed-in', 'heap'), nd=1)}"
            wasm = f"{fmt(res.get(n, 'loopback', 'cold', 'wasm'), nd=0)} / {fmt(res.get(n, 'loopback', 'signed-in', 'wasm'), nd=0)}"
            checks = [fmt(res.get(n, "loopback", "check", name), nd=1) for name, _ in measure.SAMPLES]
            out.append(f"| {labels[n]} | {heap} | {wasm} | " + " | ".join(checks) + " |")
        out.append("")
    if "page" in names:
        out += ["**targets** (the page now)", ""]
        for what, profile, mode, against, limit in TARGETS:
            if profile in profiles and against in names:
                r = res.ratio("page", against, profile, mode)
                out.append(f"- {what}: {r:.2f} {'met' if r <= limit else 'NOT met'}")
        if "loopback" in profiles:
            usable = med(res.get("page", "loopback", "cold", "usable"))
            early = med(res.get("page", "loopback", "cold", "early"))
            out.append(f"- loopback cold: sign-in form usable at {usable:.0f} ms (≤ {USABLE_MS}: "
                       f"{'met' if usable <= USABLE_MS else 'NOT met'}), {early:.0f} ms before ready "
                       f"(≥ {EARLY_MS}: {'met' if early >= EARLY_MS else 'NOT met'})")
        for profile in profiles:
            first = med(res.get("page", profile, "cold", "kib"))
            total = med(res.get("page", profile, "cold", "kib-total"))
            out.append(f"- {profile}: first visit {first / 1024 * 1.048576:.2f} MB until ready, "
                       f"{total / 1024 * 1.048576:.2f} MB with the idle warm-up (≤ 5 MB: "
                       f"{'met' if total <= FIRST_VISIT_KIB else 'NOT met'})")
        for profile in profiles:
            warm_kib = med(res.get("page", profile, "warm", "kib"))
            paints = [med(res.get("page", profile, m, "paint")) for m in MODES]
            floor = med(res.get("static", profile, "cold", "paint"))
            lts = [med(res.get("page", profile, m, "longtask")) for m in MODES]
            out.append(f"- {profile}: warm visit {warm_kib:.0f} KiB (< 50: {'met' if warm_kib < 50 else 'NOT met'}); "
                       f"first paint cold / warm / return {' / '.join(f'{x:.0f}' for x in paints)} ms "
                       f"(< 200: {'met' if max(paints) < 200 else 'NOT met'}"
                       + (f"; the static shell alone paints at {floor:.0f} ms cold" if floor == floor else "")
                       + f"); longest task after ready, median cold / warm / return "
                       f"{' / '.join(f'{x:.0f}' for x in lts)} ms (≤ 50: {'met' if max(lts) <= 50 else 'NOT met'})")
        checks = [med(res.get("page", "loopback", "check", name)) for name, _ in measure.SAMPLES]
        if checks and all(c == c for c in checks):
            out.append(f"- key checks {max(checks):.1f} ms at most (< 100: {'met' if max(checks) < 100 else 'NOT met'})")
    return "\n".join(out)


def served_files(root: Path) -> list[str]:
    out = []
    for sub in ("", "app", "assets"):
        base = root / sub
        files = base.glob("*") if not sub else base.rglob("*")
        out += [p.relative_to(root).as_posix() for p in files if p.is_file()]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variants", default=DEFAULT_VARIANTS)
    ap.add_argument("--profiles", default="loopback,throttled")
    ap.add_argument("--baseline", default="d89bccb", help="the commit that is 'today's page'")
    ap.add_argument("--before", default="5947e54", help="the commit of the 'before' variant")
    ap.add_argument("--write", metavar="FILE", help="also put the tables into this Markdown file")
    a = ap.parse_args(argv)
    names = a.variants.split(",")
    profiles = a.profiles.split(",")
    fake = FakeStalwart(generation="0.16", cors=True)
    fake.start()
    res = Results()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-") as t:
        tmp = Path(t)
        try:
            all_variants = {v.name: v for v in variants.variants(a.baseline, tmp, [fake.url], a.before,
                                                                    tuple(names))}
            chosen = [all_variants[n] for n in names]
            sites = {v.name: v.make() for v in chosen}
            for site in sites.values():
                site.prewarm(served_files(site.root) + list(site.overrides))
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path="/usr/bin/chromium", args=measure.FLAGS)
                version = b.version
                b.close()
                for rnd in range(a.rounds):
                    for profile in profiles:
                        for v in chosen:
                            print(f"bench: round {rnd + 1}/{a.rounds} {profile} {v.name}", file=sys.stderr, flush=True)
                            one(p, v, sites[v.name], sites[v.name].url, profile, res, tmp, rnd, fake.url)
            for s in sites.values():
                s.stop()
        finally:
            variants.remove_baseline(tmp)
            fake.stop()
    text = report(res, names, {v: all_variants[v].label for v in names}, profiles, a.rounds, version,
                  (load_start, os.getloadavg()[0]))
    print(text)
    if a.write:
        write(ROOT / a.write, text, a)
    return 0


def write(out: Path, text: str, a) -> None:
    body = out.read_text() if out.exists() else "# Performance\n"
    marker, end = "<!-- bench:start -->", "<!-- bench:end -->"
    cmd = ".venv/bin/python -m bench.run --write docs/PERFORMANCE.md"
    extra = ""
    if a.rounds != 5 or a.variants != DEFAULT_VARIANTS or a.profiles != "loopback,throttled":
        extra = f" (this table: `--rounds {a.rounds} --variants {a.variants} --profiles {a.profiles}`)"
    block = f"{marker}\nCommand: `{cmd}`{extra}\n\n{text}\n{end}"
    if marker in body:
        body = body[:body.index(marker)] + block + body[body.index(end) + len(end):]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    out.write_text(body)


if __name__ == "__main__":
    sys.exit(main())
