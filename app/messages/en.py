"""English texts: the reference catalogue. Every key must also exist in de.py.

Placeholders are ``{name}``. Texts marked "server wording" repeat what the
Stalwart server says, word for word, so the page and the server agree.
"""

MESSAGES = {
    # ------------------------------------------------------------ page shell

    # ------------------------------------------------------------ common

    # ------------------------------------------------------------ sign-in
    "ui.signin.title": "Sign in to your mail server",
    "ui.signin.oauth": "Sign in with your mail server",
    "ui.signin.device": "Sign in on another device",
    "ui.signin.device_code": "Device code:",
    "ui.signin.device_expired": "The code has expired. Start again.",
    "ui.signin.basic": "Username and password",
    "ui.signin.username": "Username or email",
    "ui.signin.password": "Password or app password",
    "ui.signin.token": "Access token or API key",
    "ui.signin.token_label": "Paste the token",
    "ui.signin.stay": "Stay signed in in this tab",

    # ------------------------------------------------------------ statuses and errors

    # ------------------------------------------------------------ status at a glance

    # ------------------------------------------------------------ password flow

    # ------------------------------------------------------------ two-factor flow
    "ui.totp.enable": "Turn on two-factor authentication",
    "ui.totp.replace": "Move to a new authenticator app",
    "ui.totp.disable": "Turn off two-factor authentication",
    "ui.totp.disable_confirm": "Turn off two-factor authentication? Anyone who knows your password can then sign in.",

    # ------------------------------------------------------------ app passwords and API keys
    "ui.cred.expires": "Expires",
    "ui.cred.revoke_confirm": "Revoke “{name}”? Apps that use it stop working at once.",

    # ------------------------------------------------------------ encryption at rest
    "ui.enc.check": "Check key",

    # ------------------------------------------------------------ TOTP module
    "totp.qr.title": "QR code to add this account to an authenticator app",
    "totp.url.empty": "The otpauth URL is empty.",
    "totp.url.not_url": "This is not a valid URL.",
    "totp.url.scheme": "The URL must start with otpauth://, not “{scheme}:”.",
    "totp.url.host": "The URL must be a time-based code (otpauth://totp/…), not “{host}”.",
    "totp.url.label_decoding": "The name in the URL is not valid percent-encoded UTF-8.",
    "totp.url.account_decoding": "The account name in the URL cannot be decoded.",
    "totp.url.account_colon": "The account name must not contain “:” (found “{account}”).",
    "totp.url.issuer_colon": "The issuer must not contain “:” (found “{issuer}”).",
    "totp.url.issuer_mismatch": "The issuer in the name (“{label}”) differs from the issuer parameter (“{param}”).",
    "totp.url.algorithm": "Unknown algorithm “{value}”: use SHA1, SHA256 or SHA512.",
    "totp.url.algorithm_case": "Write the algorithm in capitals (“{upper}”, not “{value}”): servers before 0.16 accept only that spelling.",
    "totp.url.digits_number": "“{value}” is not a number of digits.",
    "totp.url.digits_range": "Codes must have 6, 7 or 8 digits, not {digits}.",
    "totp.url.period": "“{value}” is not a period in seconds.",
    "totp.url.period_zero": "The period must be at least 1 second.",
    "totp.url.secret_missing": "The URL has no secret.",
    "totp.url.secret_base32": "The secret must be base32 in capitals (A–Z, 2–7) without “=” padding.",
    "totp.url.secret_short": "The secret is too short ({bits} bits). The server needs at least 128 bits (26 base32 characters).",
    "totp.code.format": "Enter the {digits}-digit code from your authenticator app.",
    "totp.code.wrong": "That code is not right. Wait for the next one and check that your phone's clock is set automatically.",
    "totp.kit.title": "Two-factor recovery kit for {account}",
    "totp.kit.heading": "Two-factor authentication recovery kit",
    "totp.kit.created": "Created on {date}",
    "totp.kit.warning": "This sheet contains the key of your two-factor authentication. Anyone who has it and your password can sign in as you. Keep it offline, like a password: printed in a safe place, or in a password manager. Do not email it or store it in the cloud unencrypted.",
    "totp.kit.account": "Account",
    "totp.kit.server": "Server",
    "totp.kit.issuer": "Shown in the app as",
    "totp.kit.key": "Key (type it in if you cannot scan)",
    "totp.kit.settings": "Settings",
    "totp.kit.settings_value": "Time-based (TOTP), {algorithm}, {digits} digits, every {period} seconds",
    "totp.kit.how_title": "Setting up a new phone",
    "totp.kit.how": "Install an authenticator app, choose “add account”, and scan the QR code above, or type in the key. The codes it then shows are accepted at once.",
    "totp.kit.know_title": "Good to know",
    "totp.kit.no_recovery_codes": "The mail server has no recovery codes. This kit is the only backup of your second factor.",
    "totp.kit.keep_offline": "Keep this kit offline, like a password. Whoever has it and your password can sign in.",
    "totp.kit.lost_phone": "If you lose your phone, add the key from this kit to an authenticator app on a new phone. Then move to a new key on the account security page, so the lost phone's codes stop working.",
    "totp.kit.app_password": "An app password works as a break-glass login for mail apps (IMAP, SMTP): it does not ask for a code. On Stalwart 0.16 it cannot be used to sign in to the account security page to change your password or two-factor settings, and it cannot turn two-factor authentication off.",
    "totp.kit.admin_reset": "Without this kit and without your phone, only your mail server's administrator can turn two-factor authentication off for you.",
    "totp.kit.url_title": "Setup link (for apps that import otpauth:// links)",

    # ------------------------------------------------------------ passwords module
    "pw.empty": "Enter a password.",
    "pw.too_short": "Password must be at least {min} characters long.",
    "pw.too_long": "Password must be at most {max} characters long.",
    "pw.too_weak": "Password is too weak. {feedback}",
    "pw.too_weak_plain": "Password is too weak.",
    "pw.ok": "Strong enough.",
    "pw.ok_personal": "The server accepts this password, but it contains parts of your name or address, which makes it easier to guess.",
    "pw.legacy.ok": "Good password.",
    "pw.legacy.weak": "This server accepts any password, but this one is weak. We recommend a stronger one. {feedback}",
    "pw.legacy.short": "This server accepts it, but we recommend at least {min} characters.",
    "pw.bytes_note": "Length is counted as the server counts it: letters such as ä and emoji count as more than one.",
    "pw.score.0": "Very weak",
    "pw.score.1": "Weak",
    "pw.score.2": "Fair",
    "pw.score.3": "Strong",
    "pw.score.4": "Very strong",
    "pw.score_label": "Strength: {label}",
    "pw.crack_time": "Time to guess it after a data breach: {time}",
    "pw.time.instant": "less than a second",
    "pw.time.second": "1 second",
    "pw.time.seconds": "{n} seconds",
    "pw.time.minute": "1 minute",
    "pw.time.minutes": "{n} minutes",
    "pw.time.hour": "1 hour",
    "pw.time.hours": "{n} hours",
    "pw.time.day": "1 day",
    "pw.time.days": "{n} days",
    "pw.time.month": "1 month",
    "pw.time.months": "{n} months",
    "pw.time.year": "1 year",
    "pw.time.years": "{n} years",
    "pw.time.centuries": "centuries",
    # zxcvbn feedback, server wording (zxcvbn-rs 3.1)
    "pw.warning.straight_rows": "Straight rows of keys are easy to guess.",
    "pw.warning.short_keyboard": "Short keyboard patterns are easy to guess.",
    "pw.warning.repeats_aaa": "Repeats like \"aaa\" are easy to guess.",
    "pw.warning.repeats_abcabc": "Repeats like \"abcabcabc\" are only slightly harder to guess than \"abc\".",
    "pw.warning.top10": "This is a top-10 common password.",
    "pw.warning.top100": "This is a top-100 common password.",
    "pw.warning.common": "This is a very common password.",
    "pw.warning.similar_common": "This is similar to a commonly used password.",
    "pw.warning.sequences": "Sequences like abc or 6543 are easy to guess.",
    "pw.warning.recent_years": "Recent years are easy to guess.",
    "pw.warning.word_by_itself": "A word by itself is easy to guess.",
    "pw.warning.dates": "Dates are often easy to guess.",
    "pw.warning.names_by_themselves": "Names and surnames by themselves are easy to guess.",
    "pw.warning.common_names": "Common names and surnames are easy to guess.",
    "pw.suggestion.few_words": "Use a few words, avoid common phrases.",
    "pw.suggestion.no_need_symbols": "No need for symbols, digits, or uppercase letters.",
    "pw.suggestion.add_word": "Add another word or two. Uncommon words are better.",
    "pw.suggestion.capitalization": "Capitalization doesn't help very much.",
    "pw.suggestion.all_uppercase": "All-uppercase is almost as easy to guess as all-lowercase.",
    "pw.suggestion.reversed": "Reversed words aren't much harder to guess.",
    "pw.suggestion.substitutions": "Predictable substitutions like '@' instead of 'a' don't help very much.",
    "pw.suggestion.longer_keyboard": "Use a longer keyboard pattern with more turns.",
    "pw.suggestion.avoid_repeats": "Avoid repeated words and characters.",
    "pw.suggestion.avoid_sequences": "Avoid sequences.",
    "pw.suggestion.avoid_recent_years": "Avoid recent years.",
    "pw.suggestion.avoid_years_you": "Avoid years that are associated with you.",
    "pw.suggestion.avoid_dates_you": "Avoid dates and years that are associated with you.",

    # ------------------------------------------------------------ IP lists
    "ip.invalid": "“{value}” is not an IP address or network.",
    "ip.host_bits": "“{value}” is not the start of its network. Did you mean {network}?",
    "ip.prefix_range": "“{value}”: the server accepts network sizes from /{min} to /{max} only.",
    "ip.zone": "“{value}”: addresses with a zone (%…) are not supported.",
    "ip.unspecified": "“{value}” is not a real address.",
    "ip.summary": "{count} addresses or networks",
    # app.errors and app.keys keep their English next to the code (the CLI and
    # tests use it); app.i18n merges them in, so they are not repeated here.
}
