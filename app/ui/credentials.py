"""App passwords and API keys (one section each): list, create from a "New …"
button (secret shown once), revoke."""
from __future__ import annotations

from app.ui import actions, dom
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.sections import explain, gate, time_cell

KINDS = {
    # kind: (section, feature of the state)
    "app": ("app-passwords", "app_passwords"),
    "api": ("api-keys", "api_keys"),
}


def _fields(kind: str) -> dict:
    return {"description": f"{kind}-desc", "expires": f"{kind}-expires",
            "allowed_ips": f"{kind}-ips", "block_security_changes": f"{kind}-readonly"}


def create_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-form",)


def list_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-list",)


def _rows(kind: str, feature, app) -> None:
    items = feature.items or []
    own = app.state.sign_in.credential_id
    body = el(f"{kind}-list").querySelector("tbody")
    dom.clear(body)
    if not items:
        tr = dom.make("tr")
        tr.appendChild(dom.make("td", t("ui.cred.none"), "empty", colspan="5"))
        body.appendChild(tr)
        return
    labels = [t("ui.cred.desc"), t("ui.cred.created"), t("ui.cred.expires"), t("ui.cred.ips")]
    for item in items:
        tr = dom.make("tr")
        desc = dom.make("td", "", "desc", data_label=labels[0])
        desc.appendChild(dom.foreign(item.description, cls="clip"))
        if own and item.id == own:  # revoking it ends this session: say which one it is
            desc.appendChild(dom.make("span", t("ui.cred.this_signin"), "badge this"))
        if item.id in UNSEEN:  # made, but its secret never reached the user: the one to revoke
            desc.appendChild(dom.make("span", t("ui.cred.secret_unseen"), "badge unseen"))
        tr.appendChild(desc)
        tr.appendChild(time_cell(item.created_at, labels[1]) if item.created_at
                       else dom.make("td", "—", "", data_label=labels[1]))
        tr.appendChild(time_cell(item.expires_at, labels[2]))
        ips = dom.make("td", "", "ips", data_label=labels[3])
        if item.allowed_ips:
            ips.appendChild(dom.foreign(", ".join(item.allowed_ips), cls="clip"))
        else:
            ips.textContent = t("ui.cred.any_ip")
        tr.appendChild(ips)
        td = dom.make("td", "", "act")
        tr.appendChild(td)
        body.appendChild(tr)
        if not feature.can("revoke"):
            continue
        btn = dom.make("button", t("ui.cred.revoke"), "small danger", type="button",
                       id=dom.key_id(f"{kind}-revoke", item.id),
                       aria_label=t("ui.cred.revoke_named", name=txt.isolate(item.description, 60)))
        dom.on(btn, "click", lambda ev, i=item: revoke(app, kind, i), errors_to=f"{kind}-list-msg",
               busy=list_scope(kind))
        td.appendChild(btn)


def render(app) -> None:
    st = app.state
    for kind, (section, name) in KINDS.items():
        usable = gate(section, app, name)
        if not usable or st is None:
            dom.clear(el(f"{kind}-list").querySelector("tbody"))
            continue
        f = getattr(st, name)
        _rows(kind, f, app)
        opts = f.options
        # only the options this server takes are offered
        for opt, row in (("expiry", "expires"), ("allowed_ips", "ips"),
                         ("block_security_changes", "readonly")):
            node = el(f"{kind}-{row}-row")
            if node is not None:
                node.hidden = not getattr(opts, opt)
        opened = not el(f"{kind}-form").hidden
        el(f"{kind}-new").hidden = opened or not f.can("create")
        explain(section, app, f"manage_{name}", f, "create", "revoke")  # no New / Revoke: why
        el(f"{kind}-new").setAttribute("aria-expanded", "true" if opened else "false")


def open_form(app, kind: str) -> None:
    form = el(f"{kind}-form")
    form.reset()
    dom.clear_msg(f"{kind}-msg")
    dom.clear_msg(f"{kind}-list-msg")
    form.hidden = False
    el(f"{kind}-new").hidden = True
    el(f"{kind}-new").setAttribute("aria-expanded", "true")
    dom.focus(f"{kind}-desc")


def close_form(app, kind: str, focus: bool = True) -> None:
    form = el(f"{kind}-form")
    form.reset()
    dom.clear_msg(f"{kind}-msg")
    form.hidden = True
    el(f"{kind}-new").hidden = False
    el(f"{kind}-new").setAttribute("aria-expanded", "false")
    if focus:
        dom.focus(f"{kind}-new")


def _option(kind: str, row: str, field_id: str) -> str:
    """A field's text, or "" when the server does not offer that option (hidden)."""
    node = el(f"{kind}-{row}-row")
    return "" if node is not None and node.hidden else dom.value(field_id)


# This session's app passwords / API keys whose secret was never shown (an answer
# lost, or a twin made by a resent request); forgotten on sign-out.
UNSEEN: set[str] = set()


async def create(app, kind: str, _ev=None) -> None:
    msg = f"{kind}-msg"
    dom.clear_msg(msg)
    desc = dom.value(f"{kind}-desc")
    expires = _option(kind, "expires", f"{kind}-expires")
    ips = _option(kind, "ips", f"{kind}-ips")
    block = kind == "app" and bool(el("app-readonly").checked)
    out = await actions.create_credential(app, kind, msg, desc, expires, ips, block, _fields(kind),
                                          retry=lambda: el(f"{kind}-form").requestSubmit())
    close_form(app, kind, focus=False)
    UNSEEN.update(out.unseen)  # marked in the list app.finish draws
    name = txt.isolate(desc.strip(), 60)
    done = t("ui.cred.created_app" if kind == "app" else "ui.cred.created_api", name=name)
    if out.created is not None:
        app.finish(out, f"{kind}-list-msg", done, (done, t("outcome.signin_again")))
        reveal(app, kind, out.created.secret)
    else:  # the answer was lost after the server made it: the secret is gone
        app.finish(out, f"{kind}-list-msg", "", (done, t("outcome.signin_again")), f"{kind}-new")


class Secret:
    """The secret on screen, and whether it was copied (Esc asks first if not)."""
    kind = "app"
    copied = False
    warned = False


def reveal(app, kind: str, secret: str) -> None:
    """The secret, once: a modal with copy; it is dropped from the DOM on close."""
    Secret.kind, Secret.copied, Secret.warned = kind, False, False
    el("secret-h").textContent = t("ui.secret.title_app") if kind == "app" else t("ui.secret.title_api")
    el("secret-value").textContent = secret
    el("secret-usage").textContent = (t("ui.secret.usage_app", user=txt.isolate(app.username, 80))
                                      if kind == "app" else t("ui.secret.usage_api"))
    el("secret-copied").textContent = ""
    el("secret-warn").hidden = True
    dlg = el("secret-dialog")
    if dlg.open:  # cannot happen (one create at a time); never show a secret over another
        dlg.close()
    dlg.showModal()
    dom.focus("secret-copy")


def close_secret(_ev=None) -> None:
    el("secret-value").textContent = ""
    el("secret-copied").textContent = ""
    el("secret-warn").hidden = True
    dlg = el("secret-dialog")
    if dlg.open:
        dlg.close()
    node = el(f"{Secret.kind}-new")
    if node is not None and node.getClientRects().length:
        node.focus()


def on_cancel(ev) -> None:
    """Esc: a secret never copied is not thrown away without asking once."""
    if Secret.copied or Secret.warned:
        ev.preventDefault()
        close_secret()
        return
    ev.preventDefault()
    Secret.warned = True
    el("secret-warn").hidden = False
    dom.focus("secret-back")


def back_to_secret(_ev=None) -> None:
    el("secret-warn").hidden = True
    dom.focus("secret-copy")


async def copy_secret(_ev=None) -> None:
    if await dom.copy_text(str(el("secret-value").textContent), "secret-copied"):
        Secret.copied = True
        el("secret-warn").hidden = True


async def revoke(app, kind: str, item) -> None:
    msg = f"{kind}-list-msg"
    dom.clear_msg(msg)
    name = txt.isolate(item.description, 80)
    what = t("ui.cred.revoke_confirm_app" if kind == "app" else "ui.cred.revoke_confirm_api", name=name)
    own = item.id == app.state.sign_in.credential_id
    items = [t("ui.cred.revoke_own")] if own else []
    if not await dom.confirm(what, t("ui.cred.revoke"), t("ui.cred.revoke_title"), items):
        return
    btn_id = dom.key_id(f"{kind}-revoke", item.id)
    out = await actions.revoke_credential(app, kind, msg, item.id,
                                          retry=lambda: el(btn_id) and el(btn_id).click())
    done = t("ui.cred.revoked", name=name)
    if app.finish(out, msg, done, (done, t("ui.cred.revoked_own_signin"))):
        heading = el(KINDS[kind][0]).querySelector("h2")
        dom.focus(heading)  # the row and its button are gone


def reset(app) -> None:
    UNSEEN.clear()
    for kind in KINDS:
        close_form(app, kind, focus=False)
        dom.clear(el(f"{kind}-list").querySelector("tbody"))
    close_secret()


def wire(app) -> None:
    for kind in KINDS:
        dom.on(f"{kind}-form", "submit", lambda ev, k=kind: create(app, k, ev), prevent=True,
               errors_to=f"{kind}-msg", busy=create_scope(kind))
        dom.on(f"{kind}-new", "click", lambda ev, k=kind: open_form(app, k))
        dom.on(f"{kind}-cancel", "click", lambda ev, k=kind: close_form(app, k))
    dom.on("secret-copy", "click", copy_secret)
    dom.on("secret-close", "click", close_secret)
    dom.on("secret-back", "click", back_to_secret)
    dom.on("secret-discard", "click", close_secret)
    dom.listen(el("secret-dialog"), "cancel", on_cancel)
    app.renderers.append(render)
    app.resetters.append(reset)
