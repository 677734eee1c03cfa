"""The overview: paints ``views.overview`` (status at a glance, each item a
link to its section, and the one recommended next step)."""
from __future__ import annotations

from app.ui import dom
from app.ui.dom import el
from app.ui.views import overview as V
from app.ui.views.sections import key_in_use

# Row status -> the item's class (its marker: ✔ on, ✖ something to fix, – neither)
CLASS = {V.ON: "on", V.OFF: "off", V.NEUTRAL: "", V.UNKNOWN: "na", V.NOT_PERMITTED: "na",
         V.NOT_AVAILABLE: "na"}


def _item(ul, row: V.Row) -> None:
    li = dom.make("li", "", CLASS[row.status])
    li.dataset.status = row.status
    a = dom.make("a", "", "", href="#" + row.section)
    a.appendChild(dom.make("span", dom.tr(row.label), "k"))
    a.appendChild(dom.make("span", dom.tr(row.value), "v"))
    a.appendChild(dom.make("span", dom.tr(row.action), "do"))
    li.appendChild(a)
    if row.detail is not None:
        p = dom.make("p", "", "fingerprint")
        p.appendChild(dom.make("span", dom.tr("ui.enc.fingerprint") + " "))
        p.appendChild(dom.make("code", row.detail.grouped, dir="ltr"))
        li.appendChild(p)
    ul.appendChild(li)


def render(app) -> None:
    st = app.state
    ul = el("summary-list")
    dom.clear(ul)
    nxt = el("summary-next")
    dom.clear(nxt)
    if st is None:
        if app.offline_user:  # a kept sign-in, while the server cannot be reached
            p = dom.make("p", "", "advice")
            dom.write(p, "ui.offline.overview")
            nxt.appendChild(p)
        return
    view = V.overview(st, key_in_use(st, app.user.fingerprints))
    for row in view.rows:
        _item(ul, row)
    step = view.next
    nxt.appendChild(dom.make("h3", dom.tr("ui.summary.next"), ""))
    p = dom.make("p")
    if step.section:
        p.appendChild(dom.make("a", dom.tr(step.say), "button-like primary", href="#" + step.section))
    else:
        p.textContent = dom.tr(step.say)
        p.className = "all-set" if step.all_in_place else "advice"
    nxt.appendChild(p)


def reset(app) -> None:
    dom.clear(el("summary-list"))
    dom.clear(el("summary-next"))


def wire(app) -> None:
    app.renderers.insert(0, render)
    app.resetters.append(reset)
