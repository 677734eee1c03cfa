"""App passwords and API keys (one section each): list, create from a "New …"
button (secret shown once), revoke."""
from __future__ import annotations

import datetime as dt

from app import i18n, ipnets
from app.stalwart import API_KEYS, APP_PASSWORDS
from app.ui import actions, dom
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.sections import gate, time_cell

# "Block changes to account security": narrows a new credential so a leaked app
# password cannot change the password, 2FA, other credentials or encryption.
# Disable only removes permissions, so the server never refuses it as a grant.
# moves to app/stalwart (issue 9): the account should build this patch
SECURITY_PERMISSIONS = [
    "sysAccountPasswordUpdate", "sysAppPasswordCreate", "sysAppPasswordUpdate",
    "sysAppPasswordDestroy", "sysApiKeyCreate", "sysApiKeyUpdate", "sysApiKeyDestroy",
    "sysPublicKeyCreate", "sysPublicKeyUpdate", "sysPublicKeyDestroy", "sysAccountSettingsUpdate",
]
KINDS = {
    # kind: (section, feature, list of the state, texts)
    "app": ("app-passwords", APP_PASSWORDS, "app_passwords"),
    "api": ("api-keys", API_KEYS, "api_keys"),
}


def _fields(kind: str) -> dict:
    return {"description": f"{kind}-desc", "expires_at": f"{kind}-expires", "expiresAt": f"{kind}-expires",
            "allowed_ips": f"{kind}-ips", "allowedIps": f"{kind}-ips"}


def create_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-form",)


def list_scope(kind: str) -> tuple[str, ...]:
    return (f"{kind}-list",)


def _rows(kind: str, items, app) -> None:
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
        btn = dom.make("button", t("ui.cred.revoke"), "small danger", type="button",
                       id=dom.key_id(f"{kind}-revoke", item.id),
                       aria_label=t("ui.cred.revoke_named", name=txt.isolate(item.description, 60)))
        dom.on(btn, "click", lambda ev, i=item: revoke(app, kind, i), errors_to=f"{kind}-list-msg",
               busy=list_scope(kind))
        td.appendChild(btn)
        tr.appendChild(td)
        body.appendChild(tr)


def render(app) -> None:
    st = app.state
    for kind, (section, feature, attr) in KINDS.items():
        usable = gate(section, app, feature)
        if not usable or st is None:
            dom.clear(el(f"{kind}-list").querySelector("tbody"))
            continue
        _rows(kind, getattr(st, attr), app)
        opened = not el(f"{kind}-form").hidden
        el(f"{kind}-new").hidden = opened
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


def _expiry(field_id: str):
    # moves to app/stalwart (issue 9): the account should take a date and check it
    raw = dom.value(field_id)
    if not raw:
        return None, None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None, t("ui.cred.bad_date")
    if day <= dt.date.today():
        return None, t("ui.cred.past_date")
    # End of that day in UTC: the server stores UTC with seconds.
    return f"{day.isoformat()}T23:59:59Z", None


async def create(app, kind: str, _ev=None) -> None:
    msg = f"{kind}-msg"
    dom.clear_msg(msg)
    desc = dom.value(f"{kind}-desc").strip()
    # moves to app/stalwart (issue 9): validation belongs to create_app_password/create_api_key
    if not desc:
        dom.field_error(f"{kind}-desc", msg, t("ui.cred.need_desc"))
        return
    expires, problem = _expiry(f"{kind}-expires")
    if problem:
        dom.field_error(f"{kind}-expires", msg, problem)
        return
    ips, issues = ipnets.parse_allowed_ips(dom.value(f"{kind}-ips"))
    if issues:
        dom.field_error(f"{kind}-ips", msg, " ".join(i18n.translate(i) for i in issues))
        return
    perms = None
    # moves to app/stalwart (issue 9): no generation checks in the page
    if kind == "app" and app.generation == "0.16" and el("app-readonly").checked:
        perms = {"@type": "Disable", "permissions": {p: True for p in SECURITY_PERMISSIONS}}
    if app.generation == "legacy":
        expires, ips, perms = None, None, None  # the legacy API has names only
    created = await actions.create_credential(app, kind, msg, desc, expires, ips or None, perms,
                                              _fields(kind))
    close_form(app, kind, focus=False)
    done = t("ui.cred.created_app" if kind == "app" else "ui.cred.created_api", name=txt.isolate(desc, 60))
    dom.show(f"{kind}-list-msg", "ok", done, scroll=False, say=False)
    reveal(app, kind, created.secret)


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
    if not await dom.confirm(what, t("ui.cred.revoke"), t("ui.cred.revoke_title")):
        return
    await actions.revoke_credential(app, kind, msg, item.id)
    dom.show(msg, "ok", t("ui.cred.revoked", name=name))
    heading = el(KINDS[kind][0]).querySelector("h2")
    dom.focus(heading)  # the row and its button are gone


def reset(app) -> None:
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
