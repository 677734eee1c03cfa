"""The overview: status at a glance (each item a link to its section) and the
one recommended next step."""
from __future__ import annotations

from app.keys import check_key
from app.stalwart import API_KEYS, APP_PASSWORDS, ENCRYPTION, PASSWORD, TOTP
from app.ui import dom
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.sections import not_permitted

_fp_cache: dict[str, tuple[str, str]] = {}


def key_fingerprint(app) -> tuple[str, str]:
    """(fingerprint, kind) of the key encryption at rest uses (0.16: from the stored key)."""
    st = app.state
    enc = st.encryption
    key = next((k for k in st.public_keys if enc and k.id == enc.public_key), None)
    text = key.key if key is not None else (enc.certs or "")
    if not text or text.startswith("-----STALWART CERTIFICATE"):
        return "", ""
    if text not in _fp_cache:
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
    if PASSWORD in st.unavailable:
        _item(ul, "password", t("ui.password.title"), not_permitted(st, PASSWORD), "na")
    elif st.password_expired_suspected:
        _item(ul, "password", t("ui.password.title"), t("ui.summary.pw_expired"), "off")
    else:
        _item(ul, "password", t("ui.password.title"), t("ui.summary.pw_change"), "")
    # Two-factor authentication
    if TOTP in st.unavailable:
        _item(ul, "two-factor", t("ui.totp.title"), not_permitted(st, TOTP), "na")
    elif st.totp_enabled is None:
        _item(ul, "two-factor", t("ui.totp.title"), t("ui.summary.unknown"), "na")
    else:
        _item(ul, "two-factor", t("ui.totp.title"),
              t("ui.summary.on") if st.totp_enabled else t("ui.summary.off"),
              "on" if st.totp_enabled else "off")
    # App passwords and API keys: a count only when the page could read them
    for feature, view, label, items in ((APP_PASSWORDS, "app-passwords", "ui.cred.app", st.app_passwords),
                                        (API_KEYS, "api-keys", "ui.cred.api", st.api_keys)):
        if feature in st.unavailable:
            _item(ul, view, t(label), not_permitted(st, feature), "na")
        else:
            _item(ul, view, t(label), t("ui.summary.count", n=len(items)) if items
                  else t("ui.summary.none"), "")
    # Encryption at rest
    enc = st.encryption
    if ENCRYPTION in st.unavailable:
        _item(ul, "encryption", t("ui.enc.title"), not_permitted(st, ENCRYPTION), "na")
    elif enc is None:
        _item(ul, "encryption", t("ui.enc.title"), t("ui.summary.unknown"), "na")
    elif enc.enabled:
        value = t("ui.summary.enc_on", kind=txt.KIND_NAMES.get(enc.kind, ""),
                  algo=txt.algorithm_name(enc.algorithm))
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


def next_step(st) -> tuple[str, str]:
    """The one thing most worth doing now: (section, text key)."""
    if st.password_expired_suspected:
        return "password", "ui.summary.do_password"
    if st.totp_enabled is False and TOTP not in st.unavailable:
        return "two-factor", "ui.summary.do_totp"
    enc = st.encryption
    if enc is not None and not enc.enabled and ENCRYPTION not in st.unavailable:
        return "encryption", "ui.summary.do_enc"
    if st.totp_enabled and not st.app_passwords and APP_PASSWORDS not in st.unavailable:
        return "app-passwords", "ui.summary.do_breakglass"
    return "", "ui.summary.do_none"


def reset(app) -> None:
    _fp_cache.clear()
    dom.clear(el("summary-list"))
    dom.clear(el("summary-next"))


def wire(app) -> None:
    app.renderers.insert(0, render)
    app.resetters.append(reset)
