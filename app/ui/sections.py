"""What every feature section shares: painting its availability (the lines
under its title: why something is missing, who can change it) and dates."""
from __future__ import annotations

from app.ui import dom
from app.ui.dom import el
from app.ui.views import access as A
from app.ui.views.say import Say, When


def gate(section_id: str, app) -> A.Availability:
    """Paint ``views.access.availability`` for the section: its lines under the
    title, its body shown when some of it can be used. Nothing is shown
    disabled: what cannot be used is hidden, and a line says why."""
    view = A.availability(app.state, section_id, offline=bool(app.offline_user))
    sec = el(section_id)
    body = sec.querySelector(".feature-body")
    note = sec.querySelector(".unavailable")
    dom.clear(note)
    for line in view.lines:
        note.appendChild(banner(line))
    note.hidden = not view.lines
    body.hidden = not view.usable
    return view


def banner(line: A.Line):
    """One reason in words, with the permission in a details line for the administrator."""
    box = dom.make("div", "", "banner", data_say=line.say.key)
    p = dom.make("p")
    dom.write(p, line.say)
    box.appendChild(p)
    if line.permissions:
        details = dom.make("p", "", "details")
        details.appendChild(dom.doc.createTextNode(dom.tr("ui.unavail.details") + " "))
        for i, perm in enumerate(line.permissions):
            if i:
                details.appendChild(dom.doc.createTextNode(", "))
            details.appendChild(dom.make("code", perm, dir="ltr"))
        box.appendChild(details)
    if line.server_text:
        said = dom.make("p", "", "details")
        said.appendChild(dom.doc.createTextNode(dom.tr(Say("ui.server_said", {"text": ""}))))
        said.appendChild(dom.foreign(line.server_text, 600))
        box.appendChild(said)
    return box


def set_text(node_or_id, say) -> None:
    """Paint a text (a ``Say`` or a key) that a language switch paints again (the
    section's render runs then)."""
    node = el(node_or_id) if isinstance(node_or_id, str) else node_or_id
    node.removeAttribute("data-i18n")
    dom.write(node, say)


def time_cell(value, label: str):
    """A table cell with the date; the time is in its title."""
    cell = dom.make("td", dom.tr(When(value)) if value else dom.tr("ui.never"), "", data_label=label)
    if value:
        cell.title = dom.tr(When(value, with_time=True))
    return cell
