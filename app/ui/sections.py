"""What every feature section shares: showing it, or saying why it cannot be used."""
from __future__ import annotations

from app import i18n
from app.stalwart.state import BY_API_KEY, BY_APP_PASSWORD, NOT_PERMITTED, UNREADABLE
from app.ui import dom
from app.ui.dom import el

# What each feature lets the user do, for "Your administrator hasn't allowed …".
ALLOWED_WHAT = {"password": "ui.unavail.password", "two_factor": "ui.unavail.totp",
                "app_passwords": "ui.unavail.app_passwords", "api_keys": "ui.unavail.api_keys",
                "keys": "ui.unavail.public_keys", "encryption": "ui.unavail.encryption",
                # an action refused while the list itself can be read
                "manage_app_passwords": "ui.unavail.manage_app_passwords",
                "manage_api_keys": "ui.unavail.manage_api_keys"}


class _Keys:
    """The stored encryption keys, gated like a feature of their own."""
    def __init__(self, enc):
        self.access = enc.keys_access


def feature(st, name: str):
    """The state's feature by name ("password", "two_factor", "app_passwords",
    "api_keys", "encryption", and "keys": the stored encryption keys)."""
    return _Keys(st.encryption) if name == "keys" else getattr(st, name)


def gate(section_id: str, app, *features: str) -> bool:
    """Show the section's controls when signed in and allowed; otherwise say why.

    Returns True when the section is usable. Nothing is shown disabled: a
    feature the account may not use has its controls hidden and a banner in
    their place, naming the permission for the administrator in a details line.
    """
    sec = el(section_id)
    body = sec.querySelector(".feature-body")
    note = sec.querySelector(".unavailable")
    st = app.state
    dom.clear(note)
    if st is None:
        note.hidden = True
        body.hidden = False
        return False
    missing = [(f, feature(st, f).access) for f in features if not feature(st, f).access.ok]
    seen = []
    for name, a in missing:
        if a in seen:
            continue  # one reason shared by two features is said once
        seen.append(a)
        note.appendChild(banner(name, a, limited_sign_in(app)))
    note.hidden = not missing
    usable = len(missing) < len(features)
    body.hidden = not usable
    return usable


def explain(section_id: str, app, name: str, feature, *actions: str) -> bool:
    """The feature can be read but an action it offers is not permitted: its
    button is hidden, so say why under the section's title (once). True when
    something was said."""
    if feature is None or not feature.access.ok:
        return False
    refused = next((feature.why_not(a) for a in actions if not feature.can(a)), None)
    if refused is None or refused.status != NOT_PERMITTED:
        return False
    note = el(section_id).querySelector(".unavailable")
    note.appendChild(banner(name, refused, limited_sign_in(app)))
    note.hidden = False
    return True


def limited_sign_in(app) -> bool:
    """Signed in with an app password or API key: one made with limits (e.g.
    "may not change security settings") is refused what the account may do."""
    st = app.state
    return st is not None and st.sign_in.method in (BY_APP_PASSWORD, BY_API_KEY)


def banner(name: str, a, limited: bool = False):
    """One reason a feature (or action) cannot be used, in words, with the details line."""
    box = dom.make("div", "", "banner")
    box.appendChild(dom.make("p", unavailable_text(name, a, limited)))
    if a.permissions:
        details = dom.make("p", "", "details")
        details.appendChild(dom.doc.createTextNode(
            i18n.t("ui.unavail.details") + " "))
        for i, perm in enumerate(a.permissions):
            if i:
                details.appendChild(dom.doc.createTextNode(", "))
            details.appendChild(dom.make("code", perm))
        box.appendChild(details)
    if a.server_text:
        said = dom.make("p", "", "details")
        said.appendChild(dom.doc.createTextNode(i18n.t("ui.server_said", text="")))
        said.appendChild(dom.foreign(a.server_text, 600))
        box.appendChild(said)
    return box


def unavailable_text(name: str, a, limited: bool = False) -> str:
    """A missing permission is the administrator's choice, or (``limited``:
    signed in with an app password or API key) perhaps that credential's own
    limits: say so, and how to get past them. Any other reason (an external
    directory, an old server) in the words of its key."""
    if a.status == NOT_PERMITTED and name in ALLOWED_WHAT:
        return i18n.t("ui.unavail.not_allowed_signin" if limited else "ui.unavail.not_allowed",
                      what=i18n.t(ALLOWED_WHAT[name]))
    return i18n.t(a.key)


def not_permitted(a) -> str:
    """For the overview: why a feature's value is not shown, in words."""
    if a.ok:
        return ""
    if a.status == NOT_PERMITTED:
        return i18n.t("ui.summary.not_permitted")
    if a.status == UNREADABLE:
        return i18n.t("ui.summary.unknown")
    return i18n.t("ui.summary.not_available")


def set_text(node_or_id, key: str, **params) -> None:
    """Set a translated text and remember its key, so a language switch redraws it."""
    node = el(node_or_id) if isinstance(node_or_id, str) else node_or_id
    if params:
        node.removeAttribute("data-i18n")
    else:
        node.dataset.i18n = key
    node.textContent = i18n.t(key, **params)


def fmt_time(value, with_time: bool = True) -> str:
    """Server timestamps as the user's local date (and time), written the way
    the page's language writes them; 'never' when absent."""
    if not value:
        return i18n.t("ui.never")
    import datetime

    import js  # type: ignore[import-not-found]
    try:
        d = js.Date.new(str(value))
        if str(d) == "Invalid Date":
            return str(value)
        # the browser knows the reader's time zone (Python in the page runs in UTC)
        zone = datetime.timezone(datetime.timedelta(minutes=-int(d.getTimezoneOffset())))
        local = datetime.datetime.fromtimestamp(float(d.getTime()) / 1000, zone)
        return i18n.format_datetime(local) if with_time else i18n.format_date(local)
    except Exception:
        return str(value)


def time_cell(value, label: str):
    """A table cell with the date; the time is in its title."""
    cell = dom.make("td", fmt_time(value, with_time=False), "", data_label=label)
    if value:
        cell.title = fmt_time(value)
    return cell
