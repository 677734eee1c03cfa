"""The browser tests share warm browser contexts (conftest.WarmContexts): the
HTTP cache is kept from one test to the next so a page boots without
downloading and compiling its runtime again, and nothing else is. Here a page
stores something everywhere a page can (on its own origin and on the mail
server's), its context is released exactly as the ``recorder`` fixture
releases it after a test, and the next lease of that same context finds
nothing, while the runtime does come from the HTTP cache."""
from __future__ import annotations

from tests.e2e.conftest import PageRecorder, WarmContexts

STORE = """async (tag) => {
    localStorage.setItem('leak', tag);
    sessionStorage.setItem('leak', tag);
    document.cookie = 'leak=' + tag + '; max-age=3600; path=/';
    await new Promise((ok, bad) => {
        const r = indexedDB.open('leak-' + tag);
        r.onupgradeneeded = () => r.result.createObjectStore('s');
        r.onsuccess = () => { r.result.close(); ok(); };
        r.onerror = () => bad(r.error);
    });
    await (await caches.open('leak-' + tag)).put('/leak', new Response(tag));
    await (await navigator.storage.getDirectory()).getFileHandle('leak-' + tag, {create: true});
}"""

READ = """async () => {
    const opfs = [];
    const clip = await navigator.permissions.query({name: 'clipboard-read'});
    const routed = await fetch('/leak-route').then((r) => r.status, () => 'failed');
    for await (const name of (await navigator.storage.getDirectory()).keys()) opfs.push(name);
    return {
        local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie,
        indexeddb: (await indexedDB.databases()).map((d) => d.name), caches: await caches.keys(),
        opfs, workers: (await navigator.serviceWorker.getRegistrations()).length,
        clipboard: clip.state, routed,
    };
}"""

EMPTY = {"local": [], "session": [], "cookie": "", "indexeddb": [], "caches": [], "opfs": [], "workers": 0,
         "clipboard": "prompt", "routed": 404}

# A page left open would go on writing after its context was wiped.
KEEP_WRITING = "() => setInterval(() => localStorage.setItem('late', String(Date.now())), 20)"

WORKER_ACTIVE = """async () => {
    for (let i = 0; i < 600; i++) {
        const reg = await navigator.serviceWorker.getRegistration();
        if (reg && reg.active && reg.active.state === 'activated') return true;
        await new Promise((r) => setTimeout(r, 100));
    }
    return false;
}"""

# Bytes that came over the network for the runtime's wasm: 0 when it was taken
# from the HTTP cache (Resource Timing's transferSize).
WASM_BYTES = """() => performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('.wasm')).map((e) => e.transferSize)"""


def test_a_released_context_keeps_only_the_http_cache(browser, site, fake016):
    pool = WarmContexts(browser, site)  # a pool of its own: its first context is cold for sure
    try:
        site.allow(fake016.url)
        ctx = pool.lease()
        first = PageRecorder(browser, site, [fake016.url], context=ctx)
        page = first.open("?server=" + fake016.url)
        cold = page.evaluate(WASM_BYTES)
        assert cold and all(n > 0 for n in cold), cold  # downloaded: a fresh context
        assert page.evaluate(WORKER_ACTIVE)  # the page's service worker is installed
        page.evaluate(STORE, "page")
        ctx.grant_permissions(["clipboard-read"], origin=site.origin)  # what a test may change
        ctx.route("**/leak-route", lambda route: route.fulfill(status=200, body="routed"))
        assert page.evaluate(READ) != EMPTY  # (the reader sees what was stored)
        server = ctx.new_page()  # the mail server's origin too (its own sign-in page)
        server.goto(fake016.url + "/login")
        server.evaluate(STORE, "server")
        server.evaluate(KEEP_WRITING)
        ctx.set_offline(True)
        first.close()
        pool.release(ctx)

        again = pool.lease()
        assert again is ctx and pool.leases[id(ctx)] == 2  # the same context, reused
        second = PageRecorder(browser, site, [fake016.url], context=again)
        for url in (site.url + "manifest.webmanifest", fake016.url + "/login"):
            second.page.goto(url)
            second.page.wait_for_timeout(100)  # time for a page left open to write again
            assert second.page.evaluate(READ) == EMPTY, url
        page = second.open("?server=" + fake016.url)
        warm = page.evaluate(WASM_BYTES)
        assert warm and all(n == 0 for n in warm), warm  # the runtime came from the HTTP cache
        assert page.locator("#who").is_hidden()  # nobody is signed in
        second.close()
        pool.release(again)
    finally:
        pool.close()
