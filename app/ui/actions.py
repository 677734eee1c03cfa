"""The seams between the page and the account: one function per user action.

Each takes what the form collected, runs the change, brings ``app.state`` up
to date and returns the outcome; errors are shown in ``msg`` (and at the field
``fields`` maps them to) and end the caller with ``dom.Handled``.

Today each change is followed by a second request that re-reads the state.
Issue 9 gives every action one method on the account that returns the outcome
together with the fresh ``SecurityState``: then each body below becomes that
one call plus ``app.state = outcome.state; app.render()``, and nothing else in
``app/ui`` has to change.
"""
from __future__ import annotations

from typing import Any, Optional

from app.stalwart import Encryption
from app.ui import dom


async def _refresh(app, msg: str) -> None:
    """Re-read after a change that went through. If only the re-read fails, the
    change still happened: its outcome must reach the user (a secret above all)."""
    try:
        await app.reload(msg)
    except dom.Handled:
        pass  # the re-read's own error is already shown in ``msg``


async def change_password(app, msg: str, current: str, new: str, code: Optional[str],
                          fields: dict) -> Any:
    return await app.run(msg, lambda: app.account.change_password(current, new, code), fields)


async def enable_totp(app, msg: str, password: str, url: str, old_code: Optional[str],
                      fields: dict) -> Any:
    return await app.run(msg, lambda: app.account.enable_totp(password, url, old_code), fields)


async def disable_totp(app, msg: str, password: str, code: str, fields: dict) -> Any:
    return await app.run(msg, lambda: app.account.disable_totp(password, code), fields)


async def create_credential(app, kind: str, msg: str, description: str, expires: Optional[str],
                            ips: Optional[list], permissions: Optional[dict], fields: dict) -> Any:
    """``kind`` "app" (app password) or "api" (API key); returns ``Created``."""
    op = app.account.create_app_password if kind == "app" else app.account.create_api_key
    created = await app.run(msg, lambda: op(description, expires, ips, permissions), fields)
    await _refresh(app, msg)
    return created


async def revoke_credential(app, kind: str, msg: str, item_id: str) -> None:
    op = app.account.revoke_app_password if kind == "app" else app.account.revoke_api_key
    await app.run(msg, lambda: op(item_id))
    await _refresh(app, msg)


async def upload_and_enable(app, msg: str, description: str, key_text: str, emails: list[str],
                            kind: str, algorithm: str, encrypt_on_append: bool,
                            allow_spam_training: bool, fields: dict) -> None:
    # moves to app/stalwart (issue 9): one upload-and-enable for both generations
    if app.generation == "0.16":
        await app.run(msg, lambda: app.account.upload_and_enable(
            description, key_text, emails, algorithm, encrypt_on_append, allow_spam_training), fields)
    else:
        await app.run(msg, lambda: app.account.set_encryption(
            Encryption(kind=kind, algorithm=algorithm, certs=key_text,
                       allow_spam_training=allow_spam_training)), fields)
    await _refresh(app, msg)


async def use_key(app, msg: str, key_id: str, kind: str, algorithm: str,
                  encrypt_on_append: bool, allow_spam_training: bool) -> None:
    """Turn encryption on (or switch it) with a key already stored on the server."""
    await app.run(msg, lambda: app.account.set_encryption(Encryption(
        kind=kind, algorithm=algorithm, public_key=key_id, encrypt_on_append=encrypt_on_append,
        allow_spam_training=allow_spam_training)))
    await _refresh(app, msg)


async def turn_off_encryption(app, msg: str) -> None:
    await app.run(msg, lambda: app.account.set_encryption(Encryption(kind="disabled")))
    await _refresh(app, msg)


async def delete_key(app, msg: str, key_id: str) -> None:
    await app.run(msg, lambda: app.account.delete_public_key(key_id))
    await _refresh(app, msg)
