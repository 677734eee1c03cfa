"""One visit of one page in Chromium, and what it cost (figures, not assertions)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
THROTTLED = {"offline": False, "latency": 40, "downloadThroughput": 25_000_000 / 8,
             "uploadThroughput": 25_000_000 / 8}
SAMPLES = [("RSA-4096 OpenPGP key", "rsa4096.asc"), ("ed25519/cv25519 OpenPGP key", "ed25519.asc"),
           ("RSA-2048 S/MIME certificate", "rsa2048-cert.pem")]

# Installed before any page script: long tasks (they are not buffered for a late
# observer) and the wasm memories the page creates.
INIT = """
(() => {
  window.__bench = { longtasks: [], memories: [] };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__bench.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask" });
  } catch (e) {}
  const keep = (result) => {
    const inst = result && (result.instance || result);
    for (const v of Object.values((inst && inst.exports) || {})) {
      if (v instanceof WebAssembly.Memory) window.__bench.memories.push(v);
    }
    return result;
  };
  for (const name of ["instantiate", "instantiateStreaming"]) {
    const orig = WebAssembly[name];
    WebAssembly[name] = function (...args) { return orig.apply(this, args).then(keep); };
  }
  const Mem = WebAssembly.Memory;
  WebAssembly.Memory = function (...args) { const m = new Mem(...args); window.__bench.memories.push(m); return m; };
  WebAssembly.Memory.prototype = Mem.prototype;
})();
"""


@dataclass
class Visit:
    ready_ms: float
    first_paint_ms: float | None
    kib: float
    requests: int
    longest_after_ready_ms: float       # the most any task blocked input after ready
    marks: dict = field(default_factory=dict)
    usable_ms: float | None = None      # the sign-in form takes typing (boot.js's "form-usable"; else ready)
    kib_after: float = 0.0              # fetched after ready, until the idle warm-up ended


def throttle(page, context, on: bool):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if on:
        cdp.send("Network.emulateNetworkConditions", THROTTLED)
    return cdp


def visit(page, site, url: str, how: str, warm_up: bool) -> Visit:
    """goto or reload ``url``; wait for data-app-state=ready and, with ``warm_up``,
    for the idle warm-up to finish (the "warm-done" mark; today's page warms up
    synchronously, in the task that marks it ready)."""
    site.counter.take()
    if how == "reload":
        page.reload(wait_until="commit")
    else:
        page.goto(url, wait_until="commit")
    page.wait_for_selector("html[data-app-state=ready]", state="attached", timeout=180_000)
    kib, requests = site.counter.take()
    deadline = time.monotonic() + (20 if warm_up else 0)
    while time.monotonic() < deadline:
        if page.evaluate("() => performance.getEntriesByName('warm-done').length > 0"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    kib_after, _ = site.counter.take()
    m = page.evaluate("""() => ({
        marks: Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])),
        fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
        longtasks: (window.__bench || {}).longtasks || [],
    })""")
    ready = m["marks"].get("app-ready")
    if ready is None:  # the static shell alone: "ready" is its first paint
        page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
        ready = m["fcp"] = page.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0].startTime")
    after = [s + d - max(s, ready) for s, d in m["longtasks"] if s + d > ready + 1]
    usable = m["marks"].get("form-usable", ready if "app-ready" in m["marks"] else None)
    return Visit(ready_ms=ready, first_paint_ms=m["fcp"], kib=kib / 1024, requests=requests,
                 longest_after_ready_ms=max(after, default=0.0), marks=m["marks"], usable_ms=usable,
                 kib_after=kib_after / 1024)


def settle_worker(page, seconds: float = 30) -> None:
    """Wait until a service worker the page registered is active (none: 2 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = page.evaluate("""async () => {
            const reg = await navigator.serviceWorker.getRegistration();
            return reg ? (reg.active ? reg.active.state : "installing") : "none";
        }""")
        if state == "activated" or (state == "none" and time.monotonic() > deadline - seconds + 2):
            return
        page.wait_for_timeout(100)


def memory(page, cdp) -> tuple[float, float]:
    """(JS heap used, wasm memory) in MiB."""
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
    wasm = page.evaluate("() => ((window.__bench || {}).memories || []).reduce((n, m) => n + m.buffer.byteLength, 0)")
    return heap / 2**20, wasm / 2**20


def sign_in(page, server: str, login: str, password: str) -> None:
    page.fill("#server-url", server)
    if page.locator("#signin-other").get_attribute("open") is None:
        page.locator("#signin-other summary").click()
    page.fill("#login", login)
    page.fill("#login-password", password)
    page.click("#basic-form button[type=submit]")
    page.wait_for_selector("#who:not([hidden])", timeout=60_000)
    page.wait_for_timeout(500)


def key_checks(page) -> dict[str, float]:
    out = {}
    for name, fname in SAMPLES:
        page.evaluate("() => document.getElementById('enc-report').removeAttribute('data-check-ms')")
        page.locator("#enc-key").fill((ROOT / "bench" / "samples" / fname).read_text())
        page.wait_for_selector("#enc-report[data-check-ms]", state="attached", timeout=30_000)
        out[name] = float(page.locator("#enc-report").get_attribute("data-check-ms"))
    return out
