"""The seams between the page and the account: one function per user action.

Each takes what the form holds (as typed), calls the ONE account method
(``app.stalwart.SecurityAccount``), which validates, sends the change with
the re-read of the state, and returns an ``Outcome`` with the fresh
``SecurityState``. Errors are shown in ``msg`` (and at the field ``fields``
maps them to, by the error's ``field``) and end the caller with
``dom.Handled``; ``retry`` re-sends the form when trying again is safe.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

Retry = Optional[Callable[[], None]]


async def change_password(app, msg: str, current: str, new: str, confirm: str,
                          code: Optional[str], fields: dict, retry: Retry = None) -> Any:
    return await app.run(msg, lambda: app.account.change_password(current, new, code, confirm=confirm),
                         fields, retry)


async def enable_totp(app, msg: str, password: str, setup: Any, current_code: Optional[str],
                      new_code: str, fields: dict, retry: Retry = None) -> Any:
    return await app.run(msg, lambda: app.account.enable_totp(password, setup, current_code,
                                                              new_code=new_code), fields, retry)


async def disable_totp(app, msg: str, password: str, code: str, fields: dict,
                       retry: Retry = None) -> Any:
    return await app.run(msg, lambda: app.account.disable_totp(password, code), fields, retry)


async def create_credential(app, kind: str, msg: str, description: str, expires: str,
                            allowed_ips: str, block: bool, fields: dict, retry: Retry = None) -> Any:
    """``kind`` "app" (app password) or "api" (API key)."""
    if kind == "app":
        return await app.run(msg, lambda: app.account.create_app_password(
            description, expires, allowed_ips, block), fields, retry)
    return await app.run(msg, lambda: app.account.create_api_key(description, expires, allowed_ips),
                         fields, retry)


async def revoke_credential(app, kind: str, msg: str, item_id: str, retry: Retry = None) -> Any:
    op = app.account.revoke_app_password if kind == "app" else app.account.revoke_api_key
    return await app.run(msg, lambda: op(item_id), None, retry)


async def upload_and_enable(app, msg: str, key_text: Any, emails: list[str], algorithm: str,
                            encrypt_on_append: bool, allow_spam_training: bool, fields: dict,
                            retry: Retry = None) -> Any:
    return await app.run(msg, lambda: app.account.upload_and_enable(
        "", key_text, algorithm, encrypt_on_append, allow_spam_training, emails=emails),
        fields, retry)


async def finish_upload(app, msg: str, key_id: str, finish: bool, algorithm: Optional[str],
                        encrypt_on_append: bool, allow_spam_training: bool) -> Any:
    """After a half-done upload-and-enable: use the uploaded key, or remove it."""
    return await app.run(msg, lambda: app.account.finish_or_remove_uploaded_key(
        key_id, finish, algorithm, encrypt_on_append, allow_spam_training))


async def use_key(app, msg: str, key_id: str, algorithm: str, encrypt_on_append: bool,
                  allow_spam_training: bool, retry: Retry = None) -> Any:
    """Turn encryption on (or switch it) with a key already stored on the server."""
    return await app.run(msg, lambda: app.account.use_key(key_id, algorithm, encrypt_on_append,
                                                          allow_spam_training), None, retry)


async def turn_off_encryption(app, msg: str, retry: Retry = None) -> Any:
    return await app.run(msg, app.account.disable_encryption, None, retry)


async def delete_key(app, msg: str, key_id: str, retry: Retry = None) -> Any:
    return await app.run(msg, lambda: app.account.delete_public_key(key_id), None, retry)
