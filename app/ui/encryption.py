"""Encryption at rest: check the key here (app.keys), show the verdict, upload
only an accepted key, and turn encryption on or off."""
from __future__ import annotations

import time
from typing import Optional

import js  # type: ignore[import-not-found]

from app import i18n
from app.keys import check_key
from app.stalwart import ENCRYPTION, PUBLIC_KEYS, Encryption
from app.ui import dom
from app.ui.dom import el, show, t
from app.ui.sections import fmt_time, gate

SMIME_ONLY = ("Aes256Gcm", "ChaCha20Poly1305")


class Current:
    report = None      # the last KeyReport for what is in the box
    text: Optional[str] = None  # what the report was made from (binary files: normalised)


def _emails(app) -> list[str]:
    return [app.username] if app.account and "@" in app.username else []


def render(app) -> None:
    st = app.state
    gate("encryption", app, ENCRYPTION, PUBLIC_KEYS)
    if st is None:
        # Checking a key needs no server: keep the box usable, offline too.
        sec = el("encryption")
        sec.querySelector("fieldset.gate").disabled = False
        sec.querySelector(".unavailable").textContent = t("ui.enc.offline")
        el("enc-submit").disabled = True
    state = el("enc-state")
    enc = st.encryption if st else None
    if st is None:
        state.textContent = ""
    elif enc is None:
        state.textContent = t("ui.enc.unknown")
    elif enc.enabled:
        kind = {"pgp": "OpenPGP", "smime": "S/MIME"}.get(enc.kind, "")
        state.textContent = t("ui.enc.is_on", kind=kind, algo=enc.algorithm or "")
    else:
        state.textContent = t("ui.enc.is_off")
    el("enc-disable").hidden = not (enc and enc.enabled)
    legacy = bool(st and st.generation == "legacy")
    for opt in el("enc-algo").querySelectorAll("option[data-smime]"):
        opt.hidden = legacy
    _algo_rules()
    keys = el("enc-keys")
    dom.clear(keys)
    if st and not legacy:
        for pk in st.public_keys:
            li = dom.make("li")
            used = bool(enc and enc.public_key == pk.id)
            li.appendChild(dom.make("span", f"{pk.description} ({fmt_time(pk.created_at)})"
                                    + (" — " + t("ui.enc.in_use") if used else "") + " "))
            btn = dom.make("button", t("ui.enc.delete"), "small danger", type="button",
                           aria_label=t("ui.enc.delete_named", name=pk.description))
            dom.on(btn, "click", lambda ev, k=pk: delete(app, k), errors_to="enc-msg")
            li.appendChild(btn)
            keys.appendChild(li)
        if not st.public_keys:
            keys.appendChild(dom.make("li", t("ui.enc.no_keys"), "help"))


def _algo_rules() -> None:
    """S/MIME-only algorithms cannot be chosen for an OpenPGP key."""
    rep = Current.report
    sel = el("enc-algo")
    pgp = bool(rep and rep.kind == "openpgp")
    for opt in sel.querySelectorAll("option[data-smime]"):
        opt.disabled = pgp
    if pgp and str(sel.value) in SMIME_ONLY:
        sel.value = "Aes256"


def _fmt_dt(d) -> str:
    return d.strftime("%Y-%m-%d") if d else t("ui.never")


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
    if rep.fingerprints:
        box.appendChild(dom.make("p", t("ui.enc.fingerprint") + " " + ", ".join(rep.fingerprints)))
    details = dom.make("ul")
    for k in rep.keys:
        size = f"{k.bits} bit" if k.bits else (k.curve or "")
        use = t("ui.enc.can_encrypt") if k.usable_for_encryption else ""
        details.appendChild(dom.make("li", " ".join(x for x in [
            t("ui.enc.primary") if k.primary else t("ui.enc.subkey"), k.algorithm, size,
            t("ui.enc.expires", date=_fmt_dt(k.expires)), t("ui.enc.revoked") if k.revoked else "", use] if x)))
    for c in rep.certificates:
        details.appendChild(dom.make("li", t("ui.enc.cert", subject=c.subject,
                                             start=_fmt_dt(c.not_before), end=_fmt_dt(c.not_after))))
    if rep.emails:
        details.appendChild(dom.make("li", t("ui.enc.emails", emails=", ".join(rep.emails))))
    if details.firstChild:
        box.appendChild(details)
    for title, issues, cls in ((t("ui.enc.errors"), rep.errors, "error"),
                               (t("ui.enc.warnings"), rep.warnings, "warn"),
                               (t("ui.enc.notes"), rep.notes, "")):
        if issues:
            box.appendChild(dom.make("p", title, "msg " + cls if cls else ""))
            ul = dom.make("ul")
            for i in issues:
                ul.appendChild(dom.make("li", i18n.translate(i)))
            box.appendChild(ul)
    el("enc-submit").disabled = not (rep.accepted and app.account is not None)
    _algo_rules()


def check(app, data) -> None:
    """Check what is in the box (or a dropped file's bytes) right here."""
    start = time.perf_counter()
    text_in_box = isinstance(data, str)
    if text_in_box and not data.strip():
        Current.report = Current.text = None
        show_report(app, None, 0.0)
        return
    rep = check_key(data, _emails(app))
    elapsed = (time.perf_counter() - start) * 1000
    Current.report = rep
    if rep.is_private:
        # Never keep a private key in the page: clear it, say why, send nothing.
        dom.set_value("enc-key", "")
        Current.report = Current.text = None
        show_report(app, rep, elapsed)
        show("enc-msg", "error", t("ui.enc.private_cleared"))
        el("enc-key").focus()
        return
    dom.clear_msg("enc-msg")
    Current.text = rep.normalized if rep.accepted else None
    if not text_in_box and rep.normalized:
        dom.set_value("enc-key", rep.normalized)  # binary file: show what will be sent
    show_report(app, rep, elapsed)


async def read_file(app, file) -> None:
    if file is None:
        return
    if int(file.size) > 1024 * 1024:
        show("enc-msg", "error", t("ui.enc.file_too_big"))
        return
    buf = await file.arrayBuffer()
    data = bytes(js.Uint8Array.new(buf).to_py())
    check(app, data)


async def submit(app, _ev=None) -> None:
    rep = Current.report
    if rep is None or not rep.accepted or not Current.text:
        show("enc-msg", "error", t("ui.enc.check_first"))
        el("enc-key").focus()
        return
    algo = str(el("enc-algo").value)
    spam = bool(el("enc-spam").checked)
    append = bool(el("enc-append").checked)
    text = Current.text
    kind = "pgp" if rep.kind == "openpgp" else "smime"
    fp = (rep.fingerprints[0] if rep.fingerprints else "")[:16]
    desc = f"{'OpenPGP' if kind == 'pgp' else 'S/MIME'} {fp}".strip()
    with dom.busy("enc-form"):
        if app.generation == "0.16":
            await app.run("enc-msg", lambda: app.account.upload_and_enable(
                desc, text, rep.emails or _emails(app), algo, append, spam))
        else:
            await app.run("enc-msg", lambda: app.account.set_encryption(
                Encryption(kind=kind, algorithm=algo, certs=text, allow_spam_training=spam)))
    el("enc-form").reset()
    Current.report = Current.text = None
    show_report(app, None, 0.0)
    await app.reload("enc-msg")
    show("enc-msg", "ok", t("ui.enc.now_on"))
    dom.announce(t("ui.enc.now_on"))


async def disable(app, _ev=None) -> None:
    if not await dom.confirm(t("ui.enc.disable_confirm"), t("ui.enc.disable")):
        return
    await app.run("enc-msg", lambda: app.account.set_encryption(Encryption(kind="disabled")))
    await app.reload("enc-msg")
    show("enc-msg", "ok", t("ui.enc.now_off"))
    dom.announce(t("ui.enc.now_off"))
    el("enc-key").focus()


async def delete(app, pk) -> None:
    if not await dom.confirm(t("ui.enc.delete_confirm", name=pk.description), t("ui.enc.delete")):
        return
    await app.run("enc-msg", lambda: app.account.delete_public_key(pk.id))
    await app.reload("enc-msg")
    show("enc-msg", "ok", t("ui.enc.deleted"))


def wire(app) -> None:
    box = el("enc-key")
    dom.on(box, "input", lambda ev: check(app, str(box.value)), errors_to="enc-msg")
    dom.on("enc-file", "change", lambda ev: read_file(app, ev.target.files.item(0)), errors_to="enc-msg")

    def over(ev):
        ev.preventDefault()
        box.classList.add("dragover")

    def leave(ev):
        box.classList.remove("dragover")

    async def drop(ev):
        ev.preventDefault()
        box.classList.remove("dragover")
        files = ev.dataTransfer.files if ev.dataTransfer else None
        if files is not None and int(files.length) > 0:
            await read_file(app, files.item(0))

    # preventDefault must run synchronously for dragover/drop to be accepted.
    from pyodide.ffi import create_proxy  # type: ignore[import-not-found]
    for name, fn in (("dragover", over), ("dragenter", over), ("dragleave", leave)):
        p = create_proxy(fn)
        dom._proxies.append(p)
        box.addEventListener(name, p)

    def drop_sync(ev):
        ev.preventDefault()
        dom.spawn(drop(ev))

    p = create_proxy(drop_sync)
    dom._proxies.append(p)
    box.addEventListener("drop", p)
    dom.on("enc-form", "submit", lambda ev: submit(app, ev), prevent=True, errors_to="enc-msg")
    dom.on("enc-disable", "click", lambda ev: disable(app, ev), errors_to="enc-msg")
    app.renderers.append(render)
