// Boots PyScript from the page's own folder and watches for a failed start.
// Python sets data-app-state="ready" itself (app/ui); this file only handles
// the cases where Python never gets that far, so the user never faces a blank
// or half-working page without being told what to try. It also opens the
// sign-in form before Python is ready (below), starts the runtime before
// PyScript asks for it, and, once the page is ready, registers the service
// worker that keeps the page working offline (sw.js).
const root = document.documentElement;
const LIMIT_MS = 120000;

// --- The sign-in form before Python --------------------------------------------------
// From the first paint the user can type the server address, open "Other ways to
// sign in" and fill in any of its forms. A press of a sign-in button (or Enter)
// before Python is ready only queues the action, once: nothing is sent anywhere,
// since only Python, once it has read config.json, decides where a password may
// go. The pressed button says "Starting…" (and the status line says why) until
// Python takes the queue over (app/ui/early.py: it runs the action once, or says
// why not). These English texts are the catalogue's ui.early.* (a unit test
// compares them); Python puts them in the page's language as soon as it runs.
const SIGNIN = ["server-form", "basic-form", "token-form", "device-btn"];
const early = {
  action: null,        // the id of the form (or the device button) pressed first
  submitter: null,     // the button that sent it (a form may have several)
  typedServer: null,   // the server address as the user last typed it, if they did
  server: null,        // …and as it was when they pressed
  focus: null,         // the sign-in control the user was last in
  handedOver: false,
  text: { starting: "Starting…",
          status: "Starting… sign-in continues when ready." },
};
const byId = (id) => document.getElementById(id);
const gates = () => document.querySelectorAll("#signin fieldset.gate");

function signinButtons() {
  return [...document.querySelectorAll("#signin button")];
}

function markStarting(on) {
  const btn = early.submitter;
  for (const b of signinButtons()) {
    if (on) b.setAttribute("aria-disabled", "true");
    else b.removeAttribute("aria-disabled");
  }
  const scope = early.action && byId(early.action);
  if (scope && on) scope.setAttribute("aria-busy", "true");
  else if (scope) scope.removeAttribute("aria-busy");
  if (!btn) return;
  if (on) {
    // Python's translation of the page must not put the old label back while
    // the action waits (it restores data-i18n when it takes over).
    if (btn.dataset.i18n) {
      btn.dataset.i18nEarly = btn.dataset.i18n;
      delete btn.dataset.i18n;
      btn.dataset.label = btn.textContent;
    }
    btn.textContent = early.text.starting;
    const status = byId("app-status");
    if (status) status.textContent = early.text.status;
  } else if (btn.dataset.i18nEarly) {
    btn.dataset.i18n = btn.dataset.i18nEarly;
    btn.textContent = btn.dataset.label;
    delete btn.dataset.i18nEarly;
    delete btn.dataset.label;
  }
}

function queue(id, submitter) {
  if (early.action) return;  // one sign-in at a time: a second press (or Enter) adds nothing
  const field = byId("server-url");
  early.action = id;
  early.submitter = submitter || null;
  early.server = field ? field.value : null;
  markStarting(true);
}

document.addEventListener("submit", (ev) => {
  if (early.handedOver || !SIGNIN.includes(ev.target.id)) return;
  ev.preventDefault();
  ev.stopPropagation();  // Python's own handlers (wired before it is ready) wait too
  queue(ev.target.id, ev.submitter || ev.target.querySelector("button[type=submit]"));
}, true);
document.addEventListener("click", (ev) => {
  const btn = ev.target.closest && ev.target.closest("#signin button");
  if (early.handedOver || !btn) return;
  if (btn.id === "device-btn") {
    ev.stopPropagation();
    queue("device-btn", btn);
  } else if (btn.getAttribute("aria-disabled") === "true") {
    ev.preventDefault();  // a held button sends nothing, like a disabled one
    ev.stopPropagation();
  }
}, true);
document.addEventListener("input", (ev) => {
  if (!early.handedOver && ev.target.id === "server-url") early.typedServer = ev.target.value;
}, true);
document.addEventListener("focusin", (ev) => {
  if (!early.handedOver && ev.target.closest && ev.target.closest("#signin") && ev.target.id) {
    early.focus = ev.target.id;
  }
}, true);

// Python's side (app/ui/early.py). say(): the texts in the page's language, once
// Python knows it. handOver(): from now on Python handles every press; returns
// what the user did before (the queue) and puts the pressed button back as it was.
window.earlySignIn = Object.freeze({
  say(starting, status) {
    early.text = { starting, status };
    if (early.action) markStarting(true);
  },
  handOver() {
    if (early.handedOver) return null;
    early.handedOver = true;
    const out = { action: early.action, submitter: early.submitter, server: early.server,
                  typedServer: early.typedServer, focus: early.focus };
    markStarting(false);
    return out;
  },
});

for (const fs of gates()) {
  if (fs.closest("#signin")) fs.disabled = false;
}
performance.mark("form-usable");  // bench/run.py: the form takes typing from here on

function fail(detail) {
  if (root.dataset.appState === "ready" || root.dataset.appState === "error") return;
  root.dataset.appState = "error";
  // Nothing can sign in now: the form closes again (what was typed stays), and a
  // pressed button is no longer "Starting…".
  early.handedOver = true;
  markStarting(false);
  for (const fs of gates()) fs.disabled = true;
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
