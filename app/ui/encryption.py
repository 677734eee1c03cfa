"""Encryption at rest: check the key here (app.keys), show the verdict, upload
only an accepted key after saying what changes, turn encryption on, switch
keys or turn it off. Signed out, the same box is the offline key check."""
from __future__ import annotations

import time
from typing import Optional

import js  # type: ignore[import-not-found]

from app import i18n
from app.ui import actions, dom
from app.ui import text as txt
from app.ui.dom import el, t
from app.ui.sections import fmt_time, gate, set_text

SCOPE = ("enc-form", "enc-actions", "enc-stored")  # one encryption action at a time
FIELDS = {"key": "enc-key", "description": "enc-key", "algorithm": "enc-algo",
          "encrypt_on_append": "enc-append"}
CONSEQUENCES = ("ui.enc.consequence_search", "ui.enc.consequence_apps",
                "ui.enc.consequence_loss", "ui.enc.consequence_new_only")


class Current:
    report = None      # the last KeyReport for what is in the box
    text: Optional[str] = None  # what the report was made from (binary files: normalised)


def _emails(app) -> list[str]:
    return [app.username] if app.account and "@" in app.username else []


def _is_on(app) -> bool:
    st = app.state
    return bool(st and st.encryption.enabled)


def _kind(rep) -> str:
    return "pgp" if rep is not None and rep.kind == "openpgp" else "smime"


def render(app) -> None:
    st = app.state
    signed_in = st is not None
    # the stored keys are a feature of their own where the server keeps them
    gate("encryption", app, *(("encryption", "keys") if st and st.encryption.stores_keys
                              else ("encryption",)))
    # Checking a key needs no server: the box works signed out, offline too.
    el("encryption").querySelector("fieldset.gate").disabled = False
    set_text("enc-h", "ui.enc.title" if signed_in else "ui.enc.check_title")
    set_text("enc-help", "ui.enc.help" if signed_in else "ui.enc.check_help")
    enc = st.encryption if st else None
    for id_ in ("enc-state", "enc-actions", "enc-upload", "enc-form-h"):
        el(id_).hidden = not signed_in
    if enc is not None and not enc.can("upload_and_enable"):
        el("enc-upload").hidden = True
        el("enc-form-h").hidden = True
    on = _is_on(app)
    state = el("enc-state")
    if not signed_in:
        state.textContent = ""
    elif enc.settings is None:
        state.textContent = t("ui.enc.unknown")
    elif on:
        state.textContent = t("ui.enc.is_on", kind=txt.KIND_NAMES.get(enc.settings.kind, ""),
                              algo=txt.algorithm_name(enc.settings.algorithm))
    else:
        state.textContent = t("ui.enc.is_off")
    state.className = "state " + ("on" if on else "off")
    _render_fingerprint(app)
    el("enc-disable").hidden = not (on and enc.can("disable"))
    el("enc-actions").hidden = not on
    set_text("enc-form-h", "ui.enc.form_replace" if on else "ui.enc.form_on")
    set_text("enc-submit", "ui.enc.replace" if on else "ui.enc.submit")
    el("enc-append-row").hidden = not (enc and enc.encrypt_on_append)
    _algo_rules(app)
    rep = Current.report
    el("enc-submit").disabled = not (rep is not None and rep.accepted and app.account is not None)
    _render_keys(app)


def _render_fingerprint(app) -> None:
    box = el("enc-fp")
    dom.clear(box)
    box.hidden = True
    if not _is_on(app):
        return
    from app.ui.views.sections import key_in_use
    fp = key_in_use(app.state, app.user.fingerprints)
    if fp is not None:
        box.appendChild(dom.make("span", t("ui.enc.fingerprint") + " "))
        box.appendChild(dom.make("code", fp.grouped, dir="ltr"))
        box.hidden = False


def _render_keys(app) -> None:
    st = app.state
    stored = el("enc-stored")
    keys = el("enc-keys")
    dom.clear(keys)
    enc = st.encryption if st else None
    # (stored keys the account may not read: the section's banner says why)
    stored.hidden = not (enc and enc.stores_keys and enc.access.ok and enc.keys_access.ok)
    if stored.hidden:
        return
    for pk in enc.keys or []:
        used = bool(enc.in_use is not None and enc.in_use.id == pk.id)
        li = dom.make("li", "", "key-item" + (" in-use" if used else ""))
        head = dom.make("p", "", "key-desc")
        head.appendChild(dom.foreign(pk.description, cls="clip"))
        if used:
            head.appendChild(dom.make("span", t("ui.enc.in_use"), "badge on"))
        li.appendChild(head)
        meta = " · ".join(x for x in (txt.KIND_NAMES.get(pk.kind, ""),
                                      t("ui.enc.added", date=fmt_time(pk.created_at))) if x)
        li.appendChild(dom.make("p", meta, "help"))
        row = dom.make("div", "", "actions inline")
        name = txt.isolate(pk.description, 60)
        if not used and enc.can("use_key"):
            use = dom.make("button", t("ui.enc.use"), "small", type="button", id=dom.key_id("enc-use", pk.id),
                           aria_label=t("ui.enc.use_named", name=name))
            dom.on(use, "click", lambda ev, k=pk: use_key(app, k), errors_to="enc-keys-msg", busy=SCOPE)
            row.appendChild(use)
        if enc.can("delete_key"):
            btn = dom.make("button", t("ui.enc.delete"), "small danger", type="button",
                           id=dom.key_id("enc-delete", pk.id), aria_label=t("ui.enc.delete_named", name=name))
            dom.on(btn, "click", lambda ev, k=pk: delete(app, k), errors_to="enc-keys-msg", busy=SCOPE)
            row.appendChild(btn)
        li.appendChild(row)
        keys.appendChild(li)
    if not enc.keys:
        keys.appendChild(dom.make("li", t("ui.enc.no_keys"), "help"))


def _offered(app, kind: str = "") -> tuple[str, ...]:
    """The algorithms this server takes (for a key ``kind``, or for any key)."""
    st = app.state
    algos = st.encryption.algorithms if st else {}
    if kind:
        return tuple(algos.get(kind, ()))
    return tuple(dict.fromkeys(a for v in algos.values() for a in v))


def _algo_rules(app=None) -> None:
    """Offer what the server takes; for a checked key, only what fits its kind."""
    rep = Current.report
    sel = el("enc-algo")
    if app is None or app.state is None:
        return
    anyk = _offered(app)
    fits = _offered(app, _kind(rep)) if rep is not None and rep.kind else anyk
    for opt in sel.querySelectorAll("option"):
        v = str(opt.value)
        opt.hidden = v not in anyk
        opt.disabled = v not in fits
    if fits and str(sel.value) not in fits:
        sel.value = fits[0]


def _fmt_dt(d) -> str:
    return i18n.format_date(d) if d else t("ui.never")


def show_report(app, rep, elapsed_ms: float) -> None:
    box = el("enc-report")
    dom.clear(box)
    box.setAttribute("data-check-ms", f"{elapsed_ms:.1f}")
    if rep is None:
        el("enc-submit").disabled = True
        return
    kind = {"openpgp": "OpenPGP", "smime": "S/MIME"}.get(rep.kind or "", t("ui.enc.kind_unknown"))
    verdict = dom.make("p", (t("ui.enc.accepted", kind=kind) if rep.accepted
                             else t("ui.enc.refused", kind=kind)), "verdict " + ("ok" if rep.accepted else "bad"))
    box.appendChild(verdict)
    for fp in rep.fingerprints:
        line = dom.make("p", "", "fingerprint")
        line.appendChild(dom.make("span", t("ui.enc.fingerprint") + " "))
        line.appendChild(dom.make("code", txt.fingerprint(fp, "smime" if rep.kind == "smime" else "openpgp")))
        box.appendChild(line)
    details = dom.make("ul")
    for k in rep.keys:
        size = f"{k.bits} bit" if k.bits else (k.curve or "")
        use = t("ui.enc.can_encrypt") if k.usable_for_encryption else ""
        details.appendChild(dom.make("li", " ".join(x for x in [
            t("ui.enc.primary") if k.primary else t("ui.enc.subkey"), k.algorithm, size,
            t("ui.enc.expires", date=_fmt_dt(k.expires)) if k.expires else t("ui.enc.no_expiry"), t("ui.enc.revoked") if k.revoked else "", use] if x)))
    for c in rep.certificates:
        details.appendChild(dom.make("li", t("ui.enc.cert", subject=txt.isolate(c.subject, 200),
                                             start=_fmt_dt(c.not_before), end=_fmt_dt(c.not_after))))
    if rep.emails:
        details.appendChild(dom.make("li", t("ui.enc.emails", emails=", ".join(
            txt.isolate(e, 120) for e in rep.emails[:20]))))
    if details.firstChild:
        box.appendChild(details)
    for title, issues, cls in ((t("ui.enc.errors"), rep.errors, "error"),
                               (t("ui.enc.warnings"), rep.warnings, "warn"),
                               (t("ui.enc.notes"), rep.notes, "")):
        if issues:
            group = dom.make("div", "", "issues " + cls)
            group.appendChild(dom.make("p", title, "issues-title"))
            ul = dom.make("ul")
            for i in issues:
                ul.appendChild(dom.make("li", i18n.translate(i)))
            group.appendChild(ul)
            box.appendChild(group)
    el("enc-submit").disabled = not (rep.accepted and app.account is not None)
    _algo_rules(app)


def check(app, data) -> None:
    """Check what is in the box (or a dropped file's bytes) right here."""
    start = time.perf_counter()
    text_in_box = isinstance(data, str)
    if text_in_box and not data.strip():
        # (an emptied box keeps its message: "that was a private key" must stay)
        Current.report = Current.text = None
        show_report(app, None, 0.0)
        return
    dom.clear_msg("enc-check-msg")
    dom.clear_msg("enc-msg")
    from app.keys import check_key  # not at start: app.warm loads it after ready

    rep = check_key(data, _emails(app))
    elapsed = (time.perf_counter() - start) * 1000
    Current.report = rep
    if rep.is_private:
        # Never keep a private key in the page: clear it, say why, send nothing.
        dom.set_value("enc-key", "")
        Current.report = Current.text = None
        show_report(app, rep, elapsed)
        dom.field_error("enc-key", "enc-check-msg", t("ui.enc.private_cleared"))
        return
    Current.text = rep.normalized if rep.accepted else None
    if not text_in_box and rep.normalized:
        dom.set_value("enc-key", rep.normalized)  # binary file: show what will be sent
    show_report(app, rep, elapsed)


async def read_file(app, file) -> None:
    if not file:  # (JavaScript null: no file was chosen)
        return
    if int(file.size) > 1024 * 1024:
        dom.field_error("enc-key", "enc-check-msg", t("ui.enc.file_too_big"))
        return
    buf = await file.arrayBuffer()
    data = bytes(js.Uint8Array.new(buf).to_py())
    check(app, data)


async def _confirm_turn_on(app, replacing: bool) -> bool:
    """Say what encryption at rest changes before it changes anything."""
    if replacing:
        return await dom.confirm(t("ui.enc.replace_confirm"), t("ui.enc.replace_yes"),
                                 t("ui.enc.replace_title"), [t("ui.enc.consequence_old_key"),
                                                            t("ui.enc.consequence_loss")],
                                 danger=False)
    return await dom.confirm(t("ui.enc.on_confirm"), t("ui.enc.on_yes"), t("ui.enc.on_title"),
                             [t(k) for k in CONSEQUENCES], danger=False)


async def submit(app, _ev=None) -> None:
    msg = "enc-msg"
    dom.clear_msg(msg)
    rep = Current.report
    replacing = _is_on(app)
    if rep is not None and rep.accepted and not await _confirm_turn_on(app, replacing):
        return
    algo = str(el("enc-algo").value)
    spam = bool(el("enc-spam").checked)
    append = bool(el("enc-append").checked) and not el("enc-append-row").hidden
    text = Current.text if Current.text is not None else dom.value("enc-key")
    emails = (rep.emails if rep is not None else None) or _emails(app)
    out = await actions.upload_and_enable(app, msg, text, emails, algo, append, spam, FIELDS,
                                          retry=lambda: el("enc-form").requestSubmit())
    if out.half_done is None:
        el("enc-form").reset()
        Current.report = Current.text = None
        show_report(app, None, 0.0)
    done = t("ui.enc.replaced" if replacing else "ui.enc.now_on", algo=txt.algorithm_name(algo))
    app.finish(out, msg, "" if out.half_done else done, (done, t("outcome.signin_again")))
    if out.half_done is not None:
        _offer_finish(app, msg, out.half_done.key_id, algo, append, spam)


def _offer_finish(app, msg: str, key_id: str, algo: str, append: bool, spam: bool) -> None:
    """A half-done upload: the key is stored but not in use. Finish (use it) or remove it."""
    row = dom.make("div", "", "actions inline")
    fin = dom.make("button", t("ui.enc.finish"), "small primary", type="button", id="enc-finish")
    rem = dom.make("button", t("ui.enc.remove_uploaded"), "small danger", type="button",
                   id="enc-remove-uploaded")

    async def run(finish: bool):
        out = await actions.finish_upload(app, msg, key_id, finish, algo, append, spam)
        app.finish(out, msg, t("ui.enc.now_on", algo=txt.algorithm_name(algo)) if finish
                   else t("ui.enc.uploaded_removed"), (t("ui.enc.now_on", algo=algo),
                                                       t("outcome.signin_again")))
        if finish:
            el("enc-form").reset()
            Current.report = Current.text = None
            show_report(app, None, 0.0)

    dom.on(fin, "click", lambda ev: run(True), errors_to=msg, busy=SCOPE)
    dom.on(rem, "click", lambda ev: run(False), errors_to=msg, busy=SCOPE)
    row.appendChild(fin)
    row.appendChild(rem)
    el(msg).appendChild(row)
    dom.focus(fin)


async def disable(app, _ev=None) -> None:
    msg = "enc-off-msg"
    dom.clear_msg(msg)
    if not await dom.confirm(t("ui.enc.disable_confirm"), t("ui.enc.disable"), t("ui.enc.disable_title")):
        return
    out = await actions.turn_off_encryption(app, msg, retry=lambda: el("enc-disable").click())
    if app.finish(out, msg, t("ui.enc.now_off"), (t("ui.enc.now_off"), t("outcome.signin_again"))):
        dom.focus("enc-h")


async def use_key(app, pk) -> None:
    msg = "enc-keys-msg"
    dom.clear_msg(msg)
    if not await _confirm_turn_on(app, _is_on(app)):
        return
    fits = _offered(app, pk.kind) or _offered(app)
    algo = str(el("enc-algo").value)
    algo = algo if algo in fits else (fits[0] if fits else algo)
    append = bool(el("enc-append").checked) and not el("enc-append-row").hidden
    out = await actions.use_key(app, msg, pk.id, algo, append, bool(el("enc-spam").checked))
    name = txt.isolate(pk.description, 60)
    app.finish(out, msg, t("ui.enc.using", name=name, algo=txt.algorithm_name(algo)),
               (t("ui.enc.using", name=name, algo=txt.algorithm_name(algo)), t("outcome.signin_again")))


async def delete(app, pk) -> None:
    msg = "enc-keys-msg"
    dom.clear_msg(msg)
    name = txt.isolate(pk.description, 80)
    if not await dom.confirm(t("ui.enc.delete_confirm", name=name), t("ui.enc.delete"),
                             t("ui.enc.delete_title")):
        return
    out = await actions.delete_key(app, msg, pk.id)
    app.finish(out, msg, t("ui.enc.deleted", name=name),
               (t("ui.enc.deleted", name=name), t("outcome.signin_again")))


def reset(app) -> None:
    el("enc-form").reset()
    Current.report = Current.text = None
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
