"""DOM glue: reads the forms, calls the logic, renders results. Browser only.

``start()`` is called by app/main.py. It translates the static shell, wires every
section, finishes an OAuth redirect or restores an opted-in session, and marks
the page ready (app.warm then loads the heavy libraries in idle time).
"""
from __future__ import annotations


def translate_page() -> None:
    import js

    from app import i18n
    doc = js.document
    doc.documentElement.lang = i18n.get_language()
    for node in doc.querySelectorAll("[data-i18n]"):
        key = str(node.dataset.i18n)
        if i18n.has(key):
            node.textContent = i18n.t(key)
    doc.title = i18n.t("ui.title")
    doc.getElementById("lang").value = i18n.get_language()


async def start() -> None:
    import js

    from app import auth, i18n
    from app.ui import credentials, dom, encryption, password, summary, twofactor
    from app.ui.app import LANG_KEY, SERVER_KEY, App

    doc = js.document
    saved = js.localStorage.getItem(LANG_KEY)
    i18n.set_language(str(saved) if saved else i18n.pick_language(list(js.navigator.languages.to_py())))
    translate_page()

    app = App()
    for section in (summary, password, twofactor, credentials, encryption):
        section.wire(app)

    def on_lang(_ev):
        lang = i18n.set_language(str(doc.getElementById("lang").value))
        js.localStorage.setItem(LANG_KEY, lang)
        translate_page()
        app.render()

    def on_csp(ev):
        # The browser blocked a connection by this page's own CSP (not CORS).
        if str(ev.effectiveDirective) == "connect-src":
            try:
                app.csp_blocked.add(str(js.URL.new(ev.blockedURI).origin))
            except Exception:
                pass

    dom.on("lang", "change", on_lang)
    dom.on(doc, "securitypolicyviolation", on_csp)
    dom.on("server-form", "submit", app.oauth_start, prevent=True, errors_to="signin-msg")
    dom.on("server-url", "change", app.on_server_change, errors_to="signin-msg")
    dom.on("basic-form", "submit", app.basic, prevent=True, errors_to="signin-msg")
    dom.on("token-form", "submit", app.token, prevent=True, errors_to="signin-msg")
    dom.on("device-btn", "click", app.device, errors_to="signin-msg")
    dom.on("signout-btn", "click", lambda ev: app.sign_out())

    query = auth.parse_query(str(js.location.search or ""))
    server = query.get("server") or js.localStorage.getItem(SERVER_KEY)
    if server:
        doc.getElementById("server-url").value = str(server)
        app.server = str(server)

    app.render()
    for fs in doc.querySelectorAll("#signin fieldset.gate"):
        fs.disabled = False
    doc.getElementById("lang").disabled = False
    doc.getElementById("app-error").hidden = True
    doc.getElementById("app-status").textContent = i18n.t("ui.ready")
    doc.documentElement.dataset.appState = "ready"
    js.performance.mark("app-ready")

    # After "ready": these talk to the server, and their errors show in place.
    try:
        if "code" in query or "error" in query and "state" in query:
            await app.oauth_return(query)
        else:
            stored = js.sessionStorage.getItem("stalwart-account-security.creds")
            if stored and app.server:
                import json
                data = json.loads(str(stored))
                creds = auth.credentials_from_storage(data)
                if creds is not None:
                    doc.getElementById("stay").checked = True
                    await app.sign_in(creds)
    except dom.Handled:
        pass
    except Exception as e:
        dom.show_error("signin-msg", e)
    if app.account is None and app.server:
        # what this server offers before sign-in (0.11-0.15: no usable login page)
        await app.on_server_change()
