// Keeps the page working offline: after one visit, the page, its runtime and its
// bundle come from a cache when the network is gone. Registered by assets/boot.js
// once the page is ready; its scope is the page's folder.
//
// - Only same-origin GETs of the bundle's own files are answered here. Anything
//   else (the mail server above all) is never intercepted, never cached.
// - Versioned files (assets/vendor/rt-<hash>/…: the runtime, the bytecode stdlib
//   and app archives) never change under their name: served from the cache.
// - The other files (index.html, pyscript.toml, app/main.py, boot.js, runtime.mjs,
//   …) go to the network first and fall back to the cache only when it fails, so
//   online the page always runs what the server has now.
// - One cache per bundle version (assets/vendor/bundle.js, written by the build,
//   names the version and the files). A new version installs a new cache, copying
//   versioned files it already has instead of downloading them again; activating
//   it deletes the older caches of this scope. The cache is written only at
//   install, so it always holds one consistent version.
importScripts("./assets/vendor/bundle.js"); /* global BUNDLE */

const SCOPE = self.registration.scope;
const PREFIX = "account-security " + new URL(SCOPE).pathname + " ";
const CACHE = PREFIX + BUNDLE.version;
const abs = (p) => new URL(p, SCOPE).href;
const INDEX = abs("index.html");
const FILES = new Set(BUNDLE.files.map(abs));
const IMMUTABLE = new Set(BUNDLE.immutable.map(abs));

async function store(cache, url) {
  if (IMMUTABLE.has(url)) {
    const have = await caches.match(url);
    if (have) return cache.put(url, have);
  }
  const r = await fetch(url, { cache: IMMUTABLE.has(url) ? "default" : "no-cache" });
  if (r.ok) {
    // A build that finished between bundle.js and this fetch: try again later.
    if (url === abs("assets/vendor/runtime.mjs") && !(await r.clone().text()).includes(BUNDLE.version)) {
      throw new Error("the bundle changed while it was being cached");
    }
    return cache.put(url, r);
  }
  throw new Error(url + ": HTTP " + r.status);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(BUNDLE.files.map((p) => store(cache, abs(p))));
    await self.skipWaiting();
  })().catch(async (e) => {
    await caches.delete(CACHE); // never keep half a version
    throw e;
  }));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    // The browser asks the server for the page while this worker starts up.
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
  })());
});

function keyOf(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  // Navigations keep their query (?server=, an OAuth return) for the network;
  // offline they get the cached page, which reads the query itself.
  if (request.mode === "navigate" && (url.href.split(/[?#]/)[0] === SCOPE || url.pathname === new URL(INDEX).pathname)) {
    return INDEX;
  }
  if (url.search || url.hash) return null;
  return FILES.has(url.href) ? url.href : null;
}

async function fromCache(key) {
  const cache = await caches.open(CACHE);
  return cache.match(key);
}

self.addEventListener("fetch", (event) => {
  const key = keyOf(event.request);
  if (!key) return; // not ours: the browser handles it as if there were no worker
  if (IMMUTABLE.has(key)) {
    event.respondWith(fromCache(key).then((hit) => hit || fetch(event.request)));
    return;
  }
  const network = key === INDEX
    ? Promise.resolve(event.preloadResponse).then((pre) => pre || fetch(event.request))
    : fetch(event.request);
  event.respondWith(network.catch(async (e) => {
    const hit = await fromCache(key);
    if (hit) return hit;
    throw e;
  }));
});
