"""What every feature section shares: enabling it, or saying why it is off."""
from __future__ import annotations

from app import i18n
from app.ui import dom
from app.ui.dom import el


def gate(section_id: str, app, *features: str) -> bool:
    """Enable the section when signed in and allowed; otherwise explain.

    Returns True when the section is usable. A missing permission is named
    (``Unavailable.permissions``) so the user can tell the admin what to grant.
    """
    sec = el(section_id)
    fs = sec.querySelector("fieldset.gate")
    note = sec.querySelector(".unavailable")
    st = app.state
    for node in sec.querySelectorAll(".v016"):
        node.hidden = bool(st and st.generation != "0.16")
    if st is None:
        fs.disabled = True
        note.hidden = False
        note.textContent = i18n.t("ui.signin.first")
        return False
    missing = [st.unavailable[f] for f in features if f in st.unavailable]
    if missing and len(missing) == len(features):
        fs.disabled = True
        note.hidden = False
        dom.clear(note)
        for u in missing:
            note.appendChild(dom.make("p", unavailable_text(u)))
        return False
    fs.disabled = False
    note.hidden = not missing
    dom.clear(note)
    for u in missing:
        note.appendChild(dom.make("p", unavailable_text(u)))
    return True


def unavailable_text(u) -> str:
    """'Not available …' naming the exact permission(s) the admin must grant."""
    if i18n.has(u.key):
        return i18n.t(u.key, permissions=", ".join(u.permissions), permission=", ".join(u.permissions))
    return u.message


def fmt_time(value) -> str:
    """Server timestamps as the user's local date and time; '—' when absent."""
    if not value:
        return i18n.t("ui.never")
    import js  # type: ignore[import-not-found]
    try:
        d = js.Date.new(str(value))
        if str(d) == "Invalid Date":
            return str(value)
        return str(d.toLocaleString(i18n.get_language(), js.Object.fromEntries(
            [["dateStyle", "medium"], ["timeStyle", "short"]])))
    except Exception:
        return str(value)
