"""DOM glue: reads the forms, calls the logic, renders results. Browser only.

``start()`` is called by app/main.py. It translates the static shell, wires every
section, finishes an OAuth redirect or restores an opted-in session, and marks
the page ready (app.warm then loads the heavy libraries in idle time).
"""
from __future__ import annotations


def _under_button(form_id: str, handler):
    """Sign-in messages appear right under the button that was pressed: the one
    message box moves below that form before its handler runs."""
    import js

    def run(ev):
        box = js.document.getElementById("signin-msg")
        form = js.document.getElementById(form_id)
        if str(box.getAttribute("data-under") or "") != form_id:  # a message of another form is stale here
            from app.ui import dom
            dom.clear_msg("signin-msg")
            box.setAttribute("data-under", form_id)
            form.appendChild(box) if form_id == "device-box" else form.after(box)
        return handler(ev)
    return run


async def start() -> None:
    import js

    from app import auth, servers
    from app.ui import dom, early, encryption, language, nav, summary
    from app.ui.app import CREDS_KEY, OPEN_KEY, SERVER_KEY, App, nullable_str
    from app.ui.views import errors as V_errors
    from app.ui.views import messages as V_messages
    from app.ui.views import signin as V_signin
    from app.ui.views.say import Say

    from app.ui.views.say import set_zone_offset

    doc = js.document
    set_zone_offset(-int(js.Date.new().getTimezoneOffset()))  # Python in the page runs in UTC
    language.start()
    early.follow_language()  # a sign-in pressed before Python: "Starting…" in this language

    app = App()
    # The other sections are wired when first shown (nav.LAZY).
    for section in (summary, encryption, nav):
        section.wire(app)
    dom.on_release(app.render)
    dom.wire_offers()

    def on_lang(_ev):
        code = language.switch(str(doc.getElementById("lang").value))
        app.repaint()
        return app.save_language(code)  # signed in to 0.16: it follows the user

    def on_csp(ev):
        # The browser blocked a connection by this page's own CSP (not CORS).
        if str(ev.effectiveDirective) == "connect-src":
            try:
                app.csp_blocked.add(str(js.URL.new(ev.blockedURI).origin))
            except Exception:
                pass

    signin = ("server-form", "basic-form", "token-form")  # one sign-in at a time
    dom.on("lang", "change", on_lang)
    dom.on(doc, "securitypolicyviolation", on_csp)
    dom.on("server-form", "submit", _under_button("server-form", app.oauth_start), prevent=True,
           errors_to="signin-msg", busy=signin)
    dom.on("server-url", "change", app.on_server_change, errors_to="signin-msg")
    dom.on("server-url", "input", lambda ev: app.show_destination())
    dom.on("server-pick", "change", app.on_server_change, errors_to="signin-msg")
    app.renderers.append(app.show_destination)  # its "no server yet" follows the language
    dom.on("basic-form", "submit", _under_button("basic-form", app.basic), prevent=True,
           errors_to="signin-msg", busy=signin)
    dom.on("token-form", "submit", _under_button("token-form", app.token), prevent=True,
           errors_to="signin-msg", busy=signin)
    dom.on("device-btn", "click", _under_button("device-box", app.device), errors_to="signin-msg",
           busy=("device-btn",))
    dom.on("signout-btn", "click", lambda ev: app.sign_out())
    dom.on("stay", "change", lambda ev: app.render_sign_in_options())
    dom.on(js.window, "online", app.on_online, errors_to="signin-msg")
    dom.on(js.window, "offline", app.show_network)
    app.renderers.append(app.render_who)
    app.renderers.append(app.show_network)
    app.renderers.append(app.render_sign_in_options)  # its notice follows the language
    app.renderers.append(app.render_device)

    query = auth.parse_query(str(js.location.search or ""))
    # Which servers the page may send credentials to, before the form opens:
    # a bad config.json keeps it closed (app.servers).
    config = await app.load_config()
    choice = app.setup_servers(config, query.get("server"), nullable_str(js.localStorage.getItem(SERVER_KEY)))

    was_open = js.sessionStorage.getItem(OPEN_KEY)
    js.sessionStorage.removeItem(OPEN_KEY)
    nav.leave(app)
    app.render()
    for fs in doc.querySelectorAll("#signin fieldset.gate"):
        fs.disabled = not config.usable
    doc.getElementById("lang").disabled = False
    doc.getElementById("app-error").hidden = True
    dom.announce(Say("ui.ready"))
    doc.documentElement.dataset.appState = "ready"
    js.performance.mark("app-ready")

    # After "ready": these talk to the server, and their errors show in place.
    try:
        route = auth.callback_route(query)
        if not config.usable:
            if route:
                js.history.replaceState(None, "", app.page_base())  # no code stays in the address
        elif route == "finish":
            await app.oauth_return(query)
        else:
            if route == "drop":  # e.g. ?error= without state: nobody's answer, not shown
                js.history.replaceState(None, "", app.page_base())
            stored = nullable_str(js.sessionStorage.getItem(CREDS_KEY))
            creds = None
            if stored and app.server:
                import json
                try:
                    data = json.loads(stored)
                except ValueError:
                    data = None
                # Only the server that issued the kept token gets it: a ?server=
                # link to another one in this tab never receives "Bearer …".
                creds = servers.kept_session(data, app.server)
            if creds is not None:
                doc.getElementById("stay").checked = True
                if app.online():
                    await app.sign_in(creds)
                else:  # kept, but nothing can be sent now: signed in once back online
                    app.restore_offline(creds, str((data or {}).get("user") or ""))
            elif was_open:
                # The last page in this tab was signed in, and its sign-in was not kept.
                app.note(V_messages.Message(V_messages.INFO, (Say("ui.signin.reload_title"),
                                                              V_signin.reload_note(str(was_open)))))
    except dom.Handled:
        pass
    except Exception as e:
        dom.show_error("signin-msg", V_errors.present(e, signed_in=app.account is not None,
                                                      online=app.online()))
    # A sign-in pressed before Python was ready (assets/boot.js queued it): run once, or say why not.
    early.adopt(app, choice, resumed="code" in query or "state" in query or app.account is not None)
    if app.account is None and app.server and (config.bound or choice.remembered):
        # What this server offers before sign-in (0.11-0.15: no usable login page).
        # Open mode: not for a server that only a link named; the page contacts
        # it when the user acts, so opening a link alone reaches nobody.
        await app.on_server_change()
