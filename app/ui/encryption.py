"""Encryption at rest: check the key here (app.keys), show the verdict, upload
only an accepted key after saying what changes, turn encryption on, switch
keys or turn it off. Signed out, the same box is the offline key check.
What it says comes from ``views.sections`` and ``views.outcomes``; the last
report lives in the user's object (``app.user.key_report``)."""
from __future__ import annotations

import time

import js  # type: ignore[import-not-found]

from app.stalwart.state import DISABLE, ENDED, UPLOAD_AND_ENABLE
from app.ui import dom
from app.ui.dom import el
from app.ui.sections import gate, set_text
from app.ui.views import messages as M
from app.ui.views import outcomes as O
from app.ui.views import sections as V
from app.ui.views.say import Foreign, Say

SCOPE = ("enc-form", "enc-actions", "enc-stored")  # one encryption action at a time
FIELDS = {"key": "enc-key", "description": "enc-key", "algorithm": "enc-algo",
          "encrypt_on_append": "enc-append"}
CONSEQUENCES = ("ui.enc.consequence_search", "ui.enc.consequence_apps",
                "ui.enc.consequence_loss", "ui.enc.consequence_new_only")


def _emails(app) -> list[str]:
    return [app.username] if app.account and "@" in app.username else []


def _kind(rep) -> str:
    return "pgp" if rep is not None and rep.kind == "openpgp" else "smime"


def render(app) -> None:
    st = app.state
    signed_in = st is not None
    view = gate("encryption", app)
    # Checking a key needs no server: the box works signed out, offline too.
    el("encryption").querySelector("fieldset.gate").disabled = False
    set_text("enc-h", "ui.enc.title" if signed_in else "ui.enc.check_title")
    set_text("enc-help", "ui.enc.help" if signed_in else "ui.enc.check_help")
    line, on = V.encryption_state(st)
    state = el("enc-state")
    state.hidden = line is None
    if line is None:
        state.textContent = ""
    else:
        dom.write(state, line)
    state.className = "state " + ("on" if on else "off")
    _render_fingerprint(app)
    can_upload = signed_in and view.offered(UPLOAD_AND_ENABLE)
    el("enc-upload").hidden = not can_upload
    el("enc-form-h").hidden = not can_upload
    el("enc-disable").hidden = not (on and view.offered(DISABLE))
    el("enc-actions").hidden = not on
    set_text("enc-form-h", "ui.enc.form_replace" if on else "ui.enc.form_on")
    set_text("enc-submit", "ui.enc.replace" if on else "ui.enc.submit")
    enc = st.encryption if st else None
    el("enc-append-row").hidden = not (enc and enc.encrypt_on_append)
    _algo_rules(app)
    paint_report(app)
    _render_keys(app)


def _render_fingerprint(app) -> None:
    box = el("enc-fp")
    dom.clear(box)
    fp = V.key_in_use(app.state, app.user.fingerprints)
    box.hidden = fp is None
    if fp is not None:
        box.appendChild(dom.make("span", dom.tr("ui.enc.fingerprint") + " "))
        box.appendChild(dom.make("code", fp.grouped, dir="ltr"))


def _render_keys(app) -> None:
    st = app.state
    stored = el("enc-stored")
    keys = el("enc-keys")
    dom.clear(keys)
    enc = st.encryption if st else None
    # (stored keys the account may not read: the section's line says why)
    stored.hidden = not (enc and enc.stores_keys and enc.access.ok and enc.keys_access.ok)
    if stored.hidden:
        return
    rows = V.stored_keys(st)
    for row in rows:
        pk = enc.find_key(row.id)
        li = dom.make("li", "", "key-item" + (" in-use" if row.in_use else ""))
        head = dom.make("p", "", "key-desc")
        head.appendChild(dom.foreign(row.name.value, cls="clip"))
        if row.in_use:
            head.appendChild(dom.make("span", dom.tr("ui.enc.in_use"), "badge on"))
        li.appendChild(head)
        li.appendChild(dom.make("p", dom.tr(row.meta), "help"))
        actions = dom.make("div", "", "actions inline")
        if row.use:
            use = dom.make("button", dom.tr("ui.enc.use"), "small", type="button",
                           id=dom.key_id("enc-use", row.id),
                           aria_label=dom.tr(Say("ui.enc.use_named", {"name": row.name})))
            dom.on(use, "click", lambda ev, k=pk: use_key(app, k), errors_to="enc-keys-msg", busy=SCOPE)
            actions.appendChild(use)
        if row.delete:
            btn = dom.make("button", dom.tr("ui.enc.delete"), "small danger", type="button",
                           id=dom.key_id("enc-delete", row.id),
                           aria_label=dom.tr(Say("ui.enc.delete_named", {"name": row.name})))
            dom.on(btn, "click", lambda ev, k=pk: delete(app, k), errors_to="enc-keys-msg", busy=SCOPE)
            actions.appendChild(btn)
        if row.note is not None:
            note = dom.make("p", "", "help")
            dom.write(note, row.note)
            li.appendChild(note)
        if actions.firstChild:
            li.appendChild(actions)
        keys.appendChild(li)
    if not rows:
        keys.appendChild(dom.make("li", dom.tr("ui.enc.no_keys"), "help"))


def _offered(app, kind: str = "") -> tuple[str, ...]:
    """The algorithms this server takes (for a key ``kind``, or for any key)."""
    st = app.state
    algos = st.encryption.algorithms if st else {}
    if kind:
        return tuple(algos.get(kind, ()))
    return tuple(dict.fromkeys(a for v in algos.values() for a in v))


def _algo_rules(app) -> None:
    """Offer what the server takes; for a checked key, only what fits its kind."""
    rep = app.user.key_report
    sel = el("enc-algo")
    if app.state is None:
        return
    anyk = _offered(app)
    fits = _offered(app, _kind(rep)) if rep is not None and rep.kind else anyk
    for opt in sel.querySelectorAll("option"):
        v = str(opt.value)
        opt.hidden = v not in anyk
        opt.disabled = v not in fits
    if fits and str(sel.value) not in fits:
        sel.value = fits[0]


def paint_report(app) -> None:
    """The last key check (``views.sections.key_report``), in the language of now."""
    rep = app.user.key_report
    box = el("enc-report")
    dom.clear(box)
    view = V.key_report(rep)
    el("enc-submit").disabled = not (rep is not None and rep.accepted and app.account is not None)
    if view is None:
        return
    box.appendChild(dom.make("p", dom.tr(view.verdict), "verdict " + ("ok" if view.ok else "bad")))
    for fp in view.fingerprints:
        line = dom.make("p", "", "fingerprint")
        line.appendChild(dom.make("span", dom.tr("ui.enc.fingerprint") + " "))
        line.appendChild(dom.make("code", fp.grouped, dir="ltr"))
        box.appendChild(line)
    if view.details:
        details = dom.make("ul")
        for d in view.details:
            details.appendChild(dom.make("li", dom.tr(d)))
        box.appendChild(details)
    for cls, title, issues in view.groups:
        group = dom.make("div", "", "issues " + cls)
        group.appendChild(dom.make("p", dom.tr(title), "issues-title"))
        ul = dom.make("ul")
        for i in issues:
            li = dom.make("li")
            dom.write(li, i)  # commands in them stay left to right
            ul.appendChild(li)
        group.appendChild(ul)
        box.appendChild(group)


def show_report(app, rep, elapsed_ms: float) -> None:
    app.user.key_report = rep
    el("enc-report").setAttribute("data-check-ms", f"{elapsed_ms:.1f}")
    paint_report(app)
    _algo_rules(app)


def check(app, data) -> None:
    """Check what is in the box (or a dropped file's bytes) right here."""
    start = time.perf_counter()
    text_in_box = isinstance(data, str)
    if text_in_box and not data.strip():
        # (an emptied box keeps its message: "that was a private key" must stay)
        app.user.key_text = None
        show_report(app, None, 0.0)
        return
    dom.clear_msg("enc-check-msg")
    dom.clear_msg("enc-msg")
    from app.keys import check_key  # not at start: app.warm loads it after ready

    rep = check_key(data, _emails(app))
    elapsed = (time.perf_counter() - start) * 1000
    if rep.is_private:
        # Never keep a private key in the page: clear it, say why, send nothing.
        dom.set_value("enc-key", "")
        app.user.key_text = None
        show_report(app, rep, elapsed)  # refused: nothing can be uploaded from it
        dom.field_error("enc-key", "enc-check-msg", Say("ui.enc.private_cleared"))
        return
    app.user.key_text = rep.normalized if rep.accepted else None
    if not text_in_box and rep.normalized:
        dom.set_value("enc-key", rep.normalized)  # binary file: show what will be sent
    show_report(app, rep, elapsed)


async def read_file(app, file) -> None:
    if not file:  # (JavaScript null: no file was chosen)
        return
    if int(file.size) > 1024 * 1024:
        dom.field_error("enc-key", "enc-check-msg", Say("ui.enc.file_too_big"))
        return
    buf = await file.arrayBuffer()
    data = bytes(js.Uint8Array.new(buf).to_py())
    check(app, data)


async def _confirm_turn_on(replacing: bool) -> bool:
    """Say what encryption at rest changes before it changes anything (no
    password is involved: nothing the server must check first)."""
    if replacing:
        return await dom.confirm(Say("ui.enc.replace_confirm"), Say("ui.enc.replace_yes"),
                                 Say("ui.enc.replace_title"),
                                 [Say("ui.enc.consequence_old_key"), Say("ui.enc.consequence_loss")],
                                 danger=False)
    return await dom.confirm(Say("ui.enc.on_confirm"), Say("ui.enc.on_yes"), Say("ui.enc.on_title"),
                             [Say(k) for k in CONSEQUENCES], danger=False)


def _finish(app, out, before, msg: str, message, focus_id: str = "") -> bool:
    ended = O.ended(out, before, login_page=app.options.login_page) if out.session == ENDED else None
    return app.finish(out, before, msg, message, ended, focus_id or None, offers=_half_done_offers(app, out, msg))


async def submit(app, _ev=None) -> None:
    msg = "enc-msg"
    dom.clear_msg(msg)
    rep = app.user.key_report
    before = app.state
    replacing = bool(before.encryption.enabled)
    if rep is not None and rep.accepted and not await _confirm_turn_on(replacing):
        return
    algo = str(el("enc-algo").value)
    spam = bool(el("enc-spam").checked)
    append = bool(el("enc-append").checked) and not el("enc-append-row").hidden
    text = app.user.key_text if app.user.key_text is not None else dom.value("enc-key")
    emails = (rep.emails if rep is not None else None) or _emails(app)
    label = V.key_label(rep)  # "OpenPGP <key ID as gpg shows it>"
    out = await app.run(msg, lambda: app.account.upload_and_enable(
        label, text, algo, append, spam, emails=emails), FIELDS,
        retry=lambda: el("enc-form").requestSubmit())
    if out.half_done is None:
        el("enc-form").reset()
        app.user.key_text = None
        show_report(app, None, 0.0)
    _finish(app, out, before, msg, O.encryption_on(out, before, algo))


def _half_done_offers(app, out, msg: str) -> dict:
    """A half-done upload: the key is stored but not in use. Finish (use it) or remove it."""
    if out.half_done is None:
        return {}
    key_id = out.half_done.key_id
    algo = str(el("enc-algo").value)
    append = bool(el("enc-append").checked) and not el("enc-append-row").hidden
    spam = bool(el("enc-spam").checked)

    async def run(finish: bool):
        before = app.state
        out2 = await app.run(msg, lambda: app.account.finish_or_remove_uploaded_key(
            key_id, finish, algo, append, spam))
        if finish:
            el("enc-form").reset()
            app.user.key_text = None
            show_report(app, None, 0.0)
            _finish(app, out2, before, msg, O.encryption_on(out2, before, algo))
        else:
            _finish(app, out2, before, msg, O.key_deleted(out2, before, key_id, "", uploaded=True))

    return {M.FINISH_UPLOAD: dom.Offer(lambda ev: run(True), SCOPE),
            M.REMOVE_UPLOAD: dom.Offer(lambda ev: run(False), SCOPE)}


async def disable(app, _ev=None) -> None:
    msg = "enc-off-msg"
    dom.clear_msg(msg)
    if not await dom.confirm(Say("ui.enc.disable_confirm"), Say("ui.enc.disable"),
                             Say("ui.enc.disable_title")):
        return
    before = app.state
    out = await app.run(msg, app.account.disable_encryption, retry=lambda: el("enc-disable").click())
    _finish(app, out, before, msg, O.encryption_off(out, before))


async def use_key(app, pk) -> None:
    msg = "enc-keys-msg"
    dom.clear_msg(msg)
    before = app.state
    if not await _confirm_turn_on(bool(before.encryption.enabled)):
        return
    fits = _offered(app, pk.kind) or _offered(app)
    algo = str(el("enc-algo").value)
    algo = algo if algo in fits else (fits[0] if fits else algo)
    append = bool(el("enc-append").checked) and not el("enc-append-row").hidden
    spam = bool(el("enc-spam").checked)
    out = await app.run(msg, lambda: app.account.use_key(pk.id, algo, append, spam))
    _finish(app, out, before, msg, O.encryption_on(out, before, algo, pk.description))


async def delete(app, pk) -> None:
    msg = "enc-keys-msg"
    dom.clear_msg(msg)
    name = Foreign(pk.description, 80)
    if not await dom.confirm(Say("ui.enc.delete_confirm", {"name": name}), Say("ui.enc.delete"),
                             Say("ui.enc.delete_title")):
        return
    before = app.state
    out = await app.run(msg, lambda: app.account.delete_public_key(pk.id))
    _finish(app, out, before, msg, O.key_deleted(out, before, pk.id, pk.description))


def reset(app) -> None:
    el("enc-form").reset()
    show_report(app, None, 0.0)
    el("enc-report").removeAttribute("data-check-ms")
    dom.clear(el("enc-keys"))


def wire(app) -> None:
    box = el("enc-key")
    dom.on(box, "input", lambda ev: check(app, str(box.value)), errors_to="enc-check-msg")
    dom.on("enc-file", "change", lambda ev: read_file(app, ev.target.files.item(0)),
           errors_to="enc-check-msg")

    def over(ev):
        ev.preventDefault()
        box.classList.add("dragover")

    def leave(ev):
        box.classList.remove("dragover")

    # preventDefault must run synchronously for dragover/drop to be accepted.
    for name, fn in (("dragover", over), ("dragenter", over), ("dragleave", leave)):
        dom.listen(box, name, fn)

    def drop_sync(ev):
        # The dropped files can only be read during the event itself.
        ev.preventDefault()
        box.classList.remove("dragover")
        files = ev.dataTransfer.files if ev.dataTransfer else None
        if files is not None and int(files.length) > 0:
            dom.spawn(read_file(app, files.item(0)))

    dom.listen(box, "drop", drop_sync)
    dom.on("enc-form", "submit", lambda ev: submit(app, ev), prevent=True, errors_to="enc-msg",
           busy=SCOPE)
    dom.on("enc-disable", "click", lambda ev: disable(app, ev), errors_to="enc-off-msg", busy=SCOPE)
    app.renderers.append(render)
    app.resetters.append(reset)
