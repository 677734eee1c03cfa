"""The overview: status at a glance (each item a link to its section) and the
one recommended next step."""
from __future__ import annotations

from app.stalwart import state as S
from app.ui import dom
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.sections import not_permitted

_fp_cache: dict[str, tuple[str, str]] = {}


def key_fingerprint(app) -> tuple[str, str]:
    """(fingerprint, kind) of the key encryption at rest uses (the stored key, or the setting's own)."""
    enc = app.state.encryption
    key = enc.in_use
    text = key.key if key is not None else ((enc.settings.certs if enc.settings else "") or "")
    if not text or text.startswith("-----STALWART CERTIFICATE"):
        return "", ""
    if text not in _fp_cache:
        from app.keys import check_key  # not at start: app.warm loads it after ready

        rep = check_key(text)
        _fp_cache[text] = ((rep.fingerprints[0] if rep.fingerprints else ""),
                           "smime" if rep.kind == "smime" else "openpgp")
    return _fp_cache[text]


def _item(ul, view: str, label: str, value: str, cls: str, extra=None) -> None:
    li = dom.make("li", "", cls)
    a = dom.make("a", "", "", href="#" + view)
    a.appendChild(dom.make("span", label, "k"))
    a.appendChild(dom.make("span", value, "v"))
    li.appendChild(a)
    if extra is not None:
        li.appendChild(extra)
    ul.appendChild(li)


def render(app) -> None:
    st = app.state
    ul = el("summary-list")
    dom.clear(ul)
    nxt = el("summary-next")
    dom.clear(nxt)
    if st is None:
        return
    # Password
    pw = st.password
    if not pw.access.ok:
        _item(ul, "password", t("ui.password.title"), not_permitted(pw.access), "na")
    elif pw.expired:
        _item(ul, "password", t("ui.password.title"), t("ui.summary.pw_expired"), "off")
    else:
        _item(ul, "password", t("ui.password.title"), t("ui.summary.pw_change"), "")
    # Two-factor authentication
    tf = st.two_factor
    if not tf.access.ok:
        _item(ul, "two-factor", t("ui.totp.title"), not_permitted(tf.access), "na")
    elif tf.enabled is None:
        _item(ul, "two-factor", t("ui.totp.title"), t("ui.summary.unknown"), "na")
    else:
        _item(ul, "two-factor", t("ui.totp.title"),
              t("ui.summary.on") if tf.enabled else t("ui.summary.off"),
              "on" if tf.enabled else "off")
    # App passwords and API keys: a count only when the page could read them
    for f, view, label in ((st.app_passwords, "app-passwords", "ui.cred.app"),
                           (st.api_keys, "api-keys", "ui.cred.api")):
        if not f.access.ok or f.count is None:
            _item(ul, view, t(label), not_permitted(f.access) or t("ui.summary.unknown"), "na")
        else:
            _item(ul, view, t(label), t("ui.summary.count", n=f.count) if f.count
                  else t("ui.summary.none"), "")
    # Encryption at rest
    enc = st.encryption
    if not enc.access.ok:
        _item(ul, "encryption", t("ui.enc.title"), not_permitted(enc.access), "na")
    elif enc.settings is None:
        _item(ul, "encryption", t("ui.enc.title"), t("ui.summary.unknown"), "na")
    elif enc.enabled:
        value = t("ui.summary.enc_on", kind=txt.KIND_NAMES.get(enc.settings.kind, ""),
                  algo=txt.algorithm_name(enc.settings.algorithm))
        fp, kind = key_fingerprint(app)
        extra = None
        if fp:
            extra = dom.make("p", "", "fingerprint")
            extra.appendChild(dom.make("span", t("ui.enc.fingerprint") + " "))
            extra.appendChild(dom.make("code", txt.fingerprint(fp, kind)))
        _item(ul, "encryption", t("ui.enc.title"), value, "on", extra)
    else:
        _item(ul, "encryption", t("ui.enc.title"), t("ui.summary.off"), "off")

    view, key = next_step(st)
    nxt.appendChild(dom.make("h3", t("ui.summary.next"), ""))
    if view:
        p = dom.make("p")
        p.appendChild(dom.make("a", t(key), "button-like primary", href="#" + view))
        nxt.appendChild(p)
    else:
        nxt.appendChild(dom.make("p", t(key)))


# SecurityState.next_step -> (section, text key)
NEXT = {S.NEXT_CHANGE_PASSWORD: ("password", "ui.summary.do_password"),
        S.NEXT_TURN_ON_TWO_FACTOR: ("two-factor", "ui.summary.do_totp"),
        S.NEXT_TURN_ON_ENCRYPTION: ("encryption", "ui.summary.do_enc"),
        S.NEXT_CREATE_APP_PASSWORD: ("app-passwords", "ui.summary.do_breakglass")}


def next_step(st) -> tuple[str, str]:
    """The one thing most worth doing now: (section, text key)."""
    return NEXT.get(st.next_step, ("", "ui.summary.do_none"))


def reset(app) -> None:
    _fp_cache.clear()
    dom.clear(el("summary-list"))
    dom.clear(el("summary-next"))


def wire(app) -> None:
    app.renderers.insert(0, render)
    app.resetters.append(reset)
