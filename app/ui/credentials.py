"""App passwords and API keys: list, create (secret shown once), revoke."""
from __future__ import annotations

import datetime as dt

from app import i18n, ipnets
from app.stalwart import API_KEYS, APP_PASSWORDS
from app.ui import dom
from app.ui.dom import el, show, t
from app.ui.sections import fmt_time, gate

# "Block account-security changes": narrows a new credential so a leaked app
# password cannot change the password, 2FA, other credentials or encryption.
# Disable only removes permissions, so the server never refuses it as a grant.
SECURITY_PERMISSIONS = [
    "sysAccountPasswordUpdate", "sysAppPasswordCreate", "sysAppPasswordUpdate",
    "sysAppPasswordDestroy", "sysApiKeyCreate", "sysApiKeyUpdate", "sysApiKeyDestroy",
    "sysPublicKeyCreate", "sysPublicKeyUpdate", "sysPublicKeyDestroy", "sysAccountSettingsUpdate",
]
_return_focus = {"id": "app-desc"}


def _rows(table_id: str, items, kind: str, app) -> None:
    body = el(table_id).querySelector("tbody")
    dom.clear(body)
    if not items:
        tr = dom.make("tr")
        tr.appendChild(dom.make("td", t("ui.cred.none"), "empty", colspan="5"))
        body.appendChild(tr)
        return
    for item in items:
        tr = dom.make("tr")
        tr.appendChild(dom.make("td", item.description))
        tr.appendChild(dom.make("td", fmt_time(item.created_at) if item.created_at else "—"))
        tr.appendChild(dom.make("td", fmt_time(item.expires_at) if item.expires_at else t("ui.never")))
        tr.appendChild(dom.make("td", ", ".join(item.allowed_ips) or t("ui.cred.any_ip")))
        td = dom.make("td")
        btn = dom.make("button", t("ui.cred.revoke"), "small danger", type="button",
                       aria_label=t("ui.cred.revoke_named", name=item.description))
        dom.on(btn, "click", lambda ev, i=item: revoke(app, kind, i), errors_to="cred-msg")
        td.appendChild(btn)
        tr.appendChild(td)
        body.appendChild(tr)


def render(app) -> None:
    st = app.state
    usable = gate("credentials", app, APP_PASSWORDS, API_KEYS)
    legacy = bool(st and st.generation == "legacy")
    el("api-legacy").hidden = not legacy
    if not usable or st is None:
        for tid in ("app-list", "api-list"):
            dom.clear(el(tid).querySelector("tbody"))
        return
    app_off = APP_PASSWORDS in st.unavailable
    api_off = API_KEYS in st.unavailable or legacy
    el("app-form").hidden = app_off
    el("app-list").hidden = app_off
    el("api-box").hidden = api_off
    _rows("app-list", st.app_passwords, "app", app)
    if not api_off:
        _rows("api-list", st.api_keys, "api", app)


def _expiry(field_id: str):
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
    prefix = "app" if kind == "app" else "api"
    desc = dom.value(f"{prefix}-desc").strip()
    if not desc:
        show("cred-msg", "error", t("ui.cred.need_desc"))
        el(f"{prefix}-desc").focus()
        return
    expires, problem = _expiry(f"{prefix}-expires")
    if problem:
        show("cred-msg", "error", problem)
        el(f"{prefix}-expires").focus()
        return
    ips, issues = ipnets.parse_allowed_ips(dom.value(f"{prefix}-ips"))
    if issues:
        show("cred-msg", "error", " ".join(i18n.translate(i) for i in issues))
        el(f"{prefix}-ips").focus()
        return
    perms = None
    if kind == "app" and app.generation == "0.16" and el("app-readonly").checked:
        perms = {"@type": "Disable", "permissions": {p: True for p in SECURITY_PERMISSIONS}}
    if app.generation == "legacy":
        expires, ips, perms = None, None, None  # the legacy API has names only
    op = app.account.create_app_password if kind == "app" else app.account.create_api_key
    with dom.busy(f"{prefix}-form"):
        created = await app.run("cred-msg", lambda: op(desc, expires, ips or None, perms))
    el(f"{prefix}-form").reset()
    _return_focus["id"] = f"{prefix}-desc"
    reveal(app, kind, created.secret)
    await app.reload("cred-msg")


def reveal(app, kind: str, secret: str) -> None:
    """The secret, once: a modal with copy; it is dropped from the DOM on close."""
    el("secret-h").textContent = t("ui.secret.title_app") if kind == "app" else t("ui.secret.title_api")
    el("secret-value").textContent = secret
    el("secret-usage").textContent = (t("ui.secret.usage_app", user=app.username) if kind == "app"
                                      else t("ui.secret.usage_api"))
    dlg = el("secret-dialog")
    dlg.showModal()
    el("secret-copy").focus()


def close_secret(_ev=None) -> None:
    el("secret-value").textContent = ""
    el("secret-dialog").close()
    node = el(_return_focus["id"])
    if node is not None:
        node.focus()


async def revoke(app, kind: str, item) -> None:
    what = t("ui.cred.revoke_confirm_app" if kind == "app" else "ui.cred.revoke_confirm_api",
             name=item.description)
    if not await dom.confirm(what, t("ui.cred.revoke")):
        return
    op = app.account.revoke_app_password if kind == "app" else app.account.revoke_api_key
    await app.run("cred-msg", lambda: op(item.id))
    await app.reload("cred-msg")
    show("cred-msg", "ok", t("ui.cred.revoked", name=item.description))
    dom.announce(t("ui.cred.revoked", name=item.description))
    el("app-desc" if kind == "app" else "api-desc").focus()


def wire(app) -> None:
    dom.on("app-form", "submit", lambda ev: create(app, "app", ev), prevent=True, errors_to="cred-msg")
    dom.on("api-form", "submit", lambda ev: create(app, "api", ev), prevent=True, errors_to="cred-msg")
    dom.on("secret-copy", "click", lambda ev: dom.copy_text(str(el("secret-value").textContent), "cred-msg"))
    dom.on("secret-close", "click", close_secret)
    dom.on("secret-dialog", "cancel", close_secret)
    app.renderers.append(render)
