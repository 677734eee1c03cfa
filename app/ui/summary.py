"""Status at a glance, and what to do next."""
from __future__ import annotations

from app.keys import check_key
from app.ui import dom
from app.ui.dom import el, t

_fp_cache: dict[str, str] = {}


def _fingerprint(app) -> str:
    """The fingerprint of the key encryption at rest uses (0.16: from the stored key)."""
    st = app.state
    enc = st.encryption
    key = next((k for k in st.public_keys if enc and k.id == enc.public_key), None)
    text = key.key if key is not None else (enc.certs or "")
    if not text or text.startswith("-----STALWART CERTIFICATE"):
        return ""
    if text not in _fp_cache:
        rep = check_key(text)
        _fp_cache[text] = rep.fingerprints[0] if rep.fingerprints else ""
    return _fp_cache[text]


def render(app) -> None:
    st = app.state
    ul = el("summary-list")
    dom.clear(ul)
    if st is None:
        el("summary-next").textContent = ""
        return
    items = []
    if st.totp_enabled is not None:
        items.append(("on" if st.totp_enabled else "off",
                      t("ui.summary.totp_on") if st.totp_enabled else t("ui.summary.totp_off")))
    items.append(("", t("ui.summary.app_passwords", n=len(st.app_passwords))))
    if st.generation == "0.16":
        items.append(("", t("ui.summary.api_keys", n=len(st.api_keys))))
    enc = st.encryption
    if enc is not None:
        if enc.enabled:
            fp = _fingerprint(app)
            items.append(("on", t("ui.summary.enc_on", algo=enc.algorithm or "") +
                          (" " + t("ui.summary.fingerprint", fp=fp) if fp else "")))
        else:
            items.append(("off", t("ui.summary.enc_off")))
    for cls, text in items:
        ul.appendChild(dom.make("li", text, cls))
    if st.password_expired_suspected:
        nxt = t("ui.summary.next_password")
    elif st.totp_enabled is False and "totp" not in st.unavailable:
        nxt = t("ui.summary.next_totp")
    elif enc is not None and not enc.enabled and "encryption" not in st.unavailable:
        nxt = t("ui.summary.next_enc")
    elif len(st.app_passwords) == 0 and st.totp_enabled:
        nxt = t("ui.summary.next_breakglass")
    else:
        nxt = t("ui.summary.next_none")
    el("summary-next").textContent = nxt


def wire(app) -> None:
    app.renderers.insert(0, render)
