// Boots PyScript from the page's own folder and watches for a failed start.
// Python sets data-app-state="ready" itself (app/ui); this file only handles
// the cases where Python never gets that far, so the user never faces a blank
// or half-working page without being told what to try. It also starts the
// runtime before PyScript asks for it, and, once the page is ready, registers
// the service worker that keeps the page working offline (sw.js).
const root = document.documentElement;
const LIMIT_MS = 120000;

function fail(detail) {
  if (root.dataset.appState === "ready" || root.dataset.appState === "error") return;
  root.dataset.appState = "error";
  const box = document.getElementById("app-error");
  const status = document.getElementById("app-status");
  if (status) status.textContent = "Python could not start.";
  if (box) {
    box.hidden = false;
    box.textContent =
      "This page could not start its Python runtime, so nothing can be changed. " +
      "Try reloading the page. If that does not help, the site's files may be incomplete " +
      "or blocked: the administrator should run `python3 -m tools.vendor` and check that " +
      ".wasm files are served as application/wasm." + (detail ? " (Details: " + detail + ")" : "");
  }
}

// PyScript reports Python and loading errors by adding a .py-error element.
new MutationObserver((records) => {
  for (const r of records) {
    for (const n of r.addedNodes) {
      if (n.nodeType === 1 && n.classList.contains("py-error")) {
        fail((n.textContent || "").trim().split("\n").slice(-1)[0]);
        n.remove(); // the raw traceback is for the console, not the user
      }
    }
  }
}).observe(document.documentElement, { childList: true, subtree: true });

window.addEventListener("unhandledrejection", (e) => {
  if (root.dataset.appState === "loading") fail(String(e.reason && e.reason.message || e.reason));
});
window.addEventListener("error", (e) => {
  if (root.dataset.appState === "loading" && e.filename && e.filename.includes("/vendor/")) fail(e.message);
});
// Emscripten only warns and then waits forever when the runtime's .wasm cannot be
// compiled (a 404, an HTML error page, a truncated file, a wrong MIME type), so
// report it here. Should a fallback still succeed, Python marks the page ready
// and clears this message.
for (const name of ["instantiate", "compile", "instantiateStreaming", "compileStreaming"]) {
  const orig = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    return orig.apply(this, args).catch((e) => { fail("WebAssembly: " + (e && e.message)); throw e; });
  };
}
setTimeout(() => {
  const status = document.getElementById("app-status");
  if (root.dataset.appState === "loading" && status) status.textContent = "Still loading Python… (the first visit downloads about 6 MB)";
}, 15000);
setTimeout(() => fail("timed out after " + LIMIT_MS / 1000 + " s"), LIMIT_MS);

// The runtime (assets/vendor/runtime.mjs, the interpreter pyscript.toml names)
// starts downloading and booting right after the shell's first paint, while
// PyScript itself loads; PyScript then gets that same runtime. Evaluating their
// JavaScript (over 1 MB) before that frame would hold the painted page back.
// (The timer covers a tab opened in the background, where frames wait.)
const why = (e) => String(e && e.message || e);
const painted = new Promise((done) => {
  requestAnimationFrame(() => setTimeout(done, 0));
  setTimeout(done, 100);
});
const runtime = import("./vendor/runtime.mjs");
painted.then(() => runtime).then((rt) => rt.start()).catch((e) => fail(why(e)));
painted.then(() => import("./vendor/pyscript/core.js")).catch((e) => fail(why(e)));

// Offline use: after the page is ready (so it never competes with the start),
// let sw.js keep the bundle. Its scope is the page's folder.
function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const here = new URL("../", import.meta.url);
  navigator.serviceWorker.register(new URL("sw.js", here), { scope: here.pathname, updateViaCache: "none" })
    .catch((e) => console.warn("Offline use is not available: " + why(e)));
}
if (root.dataset.appState === "ready") registerWorker();
else {
  const watch = new MutationObserver(() => {
    if (root.dataset.appState !== "ready") return;
    watch.disconnect();
    registerWorker();
  });
  watch.observe(root, { attributes: true, attributeFilter: ["data-app-state"] });
}
