"""App passwords and API keys (one section each): list, create from a "New …"
button (secret shown once), revoke. Availability from ``views.access``,
outcomes from ``views.outcomes``; the ids whose secret was never shown and
the secret on screen live in the user's object (``app.user``)."""
from __future__ import annotations

from app.stalwart.state import CREATE, ENDED, REVOKE
from app.ui import dom
from app.ui.dom import el
from app.ui.sections import gate, time_cell
from app.ui.views import outcomes as O
from app.ui.views import sections as V
from app.ui.views.say import Foreign, Say
from app.ui.views.uistate import SecretShown

KINDS = {
    # kind: (section, feature of the state)
    "app": ("app-passwords", "app_passwords"),
    "api": ("api-keys", "api_keys"),
}


def _fields(kind: str) -> dict:
    """The errors' field names -> the create form's fields, in the order shown."""
    return {"description": f"{kind}-desc", "expires": f"{kind}-expires",
            "allowed_ips": f"{kind}-ips", "block_security_changes": f"{kind}-readonly"}


def create_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-form",)


def list_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-list",)


def _rows(kind: str, feature, app, can_revoke: bool) -> None:
    items = feature.items or []
    own = app.state.sign_in.credential_id
    body = el(f"{kind}-list").querySelector("tbody")
    dom.clear(body)
    if not items:
        tr = dom.make("tr")
        tr.appendChild(dom.make("td", dom.tr("ui.cred.none"), "empty", colspan="5"))
        body.appendChild(tr)
        return
    labels = [dom.tr(k) for k in ("ui.cred.desc", "ui.cred.created", "ui.cred.expires", "ui.cred.ips")]
    for item in items:
        tr = dom.make("tr")
        desc = dom.make("td", "", "desc", data_label=labels[0])
        desc.appendChild(dom.foreign(item.description, cls="clip"))
        if own and item.id == own:  # revoking it ends this session: say which one it is
            desc.appendChild(dom.make("span", dom.tr("ui.cred.this_signin"), "badge this"))
        if item.id in app.user.unseen:  # made, but its secret never reached the user: the one to revoke
            desc.appendChild(dom.make("span", dom.tr("ui.cred.secret_unseen"), "badge unseen"))
        tr.appendChild(desc)
        tr.appendChild(time_cell(item.created_at, labels[1]) if item.created_at
                       else dom.make("td", "—", "", data_label=labels[1]))
        tr.appendChild(time_cell(item.expires_at, labels[2]))
        ips = dom.make("td", "", "ips", data_label=labels[3])
        if item.allowed_ips:
            ips.appendChild(dom.foreign(", ".join(item.allowed_ips), cls="clip"))
        else:
            ips.textContent = dom.tr("ui.cred.any_ip")
        tr.appendChild(ips)
        td = dom.make("td", "", "act")
        tr.appendChild(td)
        body.appendChild(tr)
        if not can_revoke:
            continue
        btn = dom.make("button", dom.tr("ui.cred.revoke"), "small danger", type="button",
                       id=dom.key_id(f"{kind}-revoke", item.id),
                       aria_label=dom.tr(Say("ui.cred.revoke_named", {"name": Foreign(item.description, 60)})))
        dom.on(btn, "click", lambda ev, i=item: revoke(app, kind, i), errors_to=f"{kind}-list-msg",
               busy=list_scope(kind))
        td.appendChild(btn)


def render(app) -> None:
    st = app.state
    for kind, (section, name) in KINDS.items():
        view = gate(section, app)
        if not view.usable or st is None:
            dom.clear(el(f"{kind}-list").querySelector("tbody"))
            continue
        f = getattr(st, name)
        _rows(kind, f, app, view.offered(REVOKE))
        opts = f.options
        # only the options this server takes are offered
        for opt, row in (("expiry", "expires"), ("allowed_ips", "ips"),
                         ("block_security_changes", "readonly")):
            node = el(f"{kind}-{row}-row")
            if node is not None:
                node.hidden = not getattr(opts, opt)
        opened = not el(f"{kind}-form").hidden
        if opened and not view.offered(CREATE):
            close_form(app, kind, focus=False)
            opened = False
        el(f"{kind}-new").hidden = opened or not view.offered(CREATE)
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


async def create(app, kind: str, _ev=None) -> None:
    msg = f"{kind}-msg"
    desc = dom.value(f"{kind}-desc")
    expires = _option(kind, "expires", f"{kind}-expires")
    ips = _option(kind, "ips", f"{kind}-ips")
    block = kind == "app" and bool(el("app-readonly").checked)
    before = app.state
    if kind == "app":
        op = lambda: app.account.create_app_password(desc, expires, ips, block)  # noqa: E731
    else:
        op = lambda: app.account.create_api_key(desc, expires, ips)  # noqa: E731
    out = await app.run(msg, op, _fields(kind), retry=lambda: el(f"{kind}-form").requestSubmit())
    close_form(app, kind, focus=False)
    app.user.unseen.update(out.unseen)  # marked in the list app.finish draws
    ended = O.ended(out, before, login_page=app.options.login_page) if out.session == ENDED else None
    shown = app.finish(out, before, f"{kind}-list-msg",
                       O.credential_created(out, before, kind == "api", desc.strip())
                       if ended is None else None, ended,
                       None if out.created is not None else f"{kind}-new")
    if shown and out.created is not None:
        reveal(app, kind, out.created.secret)


def reveal(app, kind: str, secret: str) -> None:
    """The secret, once: a modal with copy; it is dropped from the DOM on close."""
    app.user.secret = SecretShown(kind)
    el("secret-h").textContent = dom.tr("ui.secret.title_app" if kind == "app" else "ui.secret.title_api")
    el("secret-value").textContent = secret
    el("secret-usage").textContent = dom.tr(
        Say("ui.secret.usage_app", {"user": Foreign(app.username, 80)}) if kind == "app"
        else Say("ui.secret.usage_api"))
    dom.clear_msg("secret-copied")
    el("secret-warn").hidden = True
    dlg = el("secret-dialog")
    if dlg.open:  # cannot happen (one create at a time); never show a secret over another
        dlg.close()
    dlg.showModal()
    dom.focus("secret-copy")


def close_secret(app, _ev=None) -> None:
    el("secret-value").textContent = ""  # (first: the close event then knows it was meant)
    dom.clear_msg("secret-copied")
    el("secret-warn").hidden = True
    dlg = el("secret-dialog")
    if dlg.open:
        dlg.close()
    node = el(f"{app.user.secret.kind}-new")
    if node is not None and node.getClientRects().length:
        node.focus()


def on_key(app, ev) -> None:
    """Esc is handled here, before the browser's own closing: Chromium closes a
    modal on the second Esc even when its "cancel" is refused."""
    if str(ev.key) == "Escape":
        on_cancel(app, ev)


def on_close(app, _ev=None) -> None:
    """The dialog closed by any other way while a secret never copied is in
    it: open it again (only "Close without copying" throws it away)."""
    if str(el("secret-value").textContent) and V.secret_escape(app.user.secret.copied) != V.CLOSE:
        el("secret-dialog").showModal()
        on_cancel(app, None)


def on_cancel(app, ev) -> None:
    """Esc: a secret never copied is not thrown away (``views.sections.secret_escape``)."""
    if ev is not None:
        ev.preventDefault()
    shown = app.user.secret
    if V.secret_escape(shown.copied) == V.CLOSE:
        close_secret(app)
        return
    shown.warned = True
    el("secret-warn").hidden = False
    dom.focus("secret-back")


def back_to_secret(_ev=None) -> None:
    el("secret-warn").hidden = True
    dom.focus("secret-copy")


async def copy_secret(app, _ev=None) -> None:
    if await dom.copy_text(str(el("secret-value").textContent), "secret-copied"):
        app.user.secret.copied = True
        el("secret-warn").hidden = True


async def revoke(app, kind: str, item) -> None:
    msg = f"{kind}-list-msg"
    dom.clear_msg(msg)
    name = Foreign(item.description, 80)
    before = app.state
    own = item.id == before.sign_in.credential_id
    what = Say("ui.cred.revoke_confirm_app" if kind == "app" else "ui.cred.revoke_confirm_api", {"name": name})
    if not await dom.confirm(what, Say("ui.cred.revoke"), Say("ui.cred.revoke_title"),
                             [Say("ui.cred.revoke_own")] if own else []):
        return
    btn_id = dom.key_id(f"{kind}-revoke", item.id)
    op = app.account.revoke_app_password if kind == "app" else app.account.revoke_api_key
    out = await app.run(msg, lambda: op(item.id), None,
                        retry=lambda: el(btn_id) and el(btn_id).click())
    ended = O.ended(out, before, login_page=app.options.login_page, name=item.description) \
        if out.session == ENDED else None
    app.finish(out, before, msg,
               O.credential_revoked(out, before, kind == "api", item.id, item.description)
               if ended is None else None, ended)


def reset(app) -> None:
    for kind in KINDS:
        close_form(app, kind, focus=False)
        dom.clear(el(f"{kind}-list").querySelector("tbody"))
    el("secret-value").textContent = ""
    el("secret-warn").hidden = True


def wire(app) -> None:
    for kind in KINDS:
        dom.on(f"{kind}-form", "submit", lambda ev, k=kind: create(app, k, ev), prevent=True,
               errors_to=f"{kind}-msg", busy=create_scope(kind))
        dom.on(f"{kind}-new", "click", lambda ev, k=kind: open_form(app, k))
        dom.on(f"{kind}-cancel", "click", lambda ev, k=kind: close_form(app, k))
    dom.on("secret-copy", "click", lambda ev: copy_secret(app, ev))
    dom.on("secret-close", "click", lambda ev: close_secret(app, ev))
    dom.on("secret-back", "click", back_to_secret)
    dom.on("secret-discard", "click", lambda ev: close_secret(app, ev))
    dom.listen(el("secret-dialog"), "cancel", lambda ev: on_cancel(app, ev))
    dom.listen(el("secret-dialog"), "keydown", lambda ev: on_key(app, ev))
    dom.listen(el("secret-dialog"), "close", lambda ev: on_close(app, ev))
    app.renderers.append(render)
    app.resetters.append(reset)
