# Runs inside the page's runtime (tests/build/run_in_bundle.mjs), not under pytest:
# import every module the app archive ships and use every feature that works
# without a server, so a module the stdlib trimming left out shows up here.
import importlib
import json
import sys
import traceback
import zipfile

missing, failed = {}, {}
names = sorted(n for n in zipfile.ZipFile("/lib/app.zip").namelist() if n.endswith(".pyc"))
for n in names:
    mod = n[:-4].replace("/", ".").removesuffix(".__init__")
    try:
        importlib.import_module(mod)
    except ModuleNotFoundError as e:
        missing[mod] = e.name
    except Exception as e:
        failed[mod] = repr(e)

checks = {}


def _error(fn):
    try:
        fn()
    except Exception:
        return sys.exc_info()
    raise AssertionError("no error")


def check(name, fn):
    try:
        checks[name] = fn()
    except Exception:
        checks[name] = "FAILED: " + traceback.format_exc()


from app import auth, i18n, ipnets, keys, origins, passwords, totp  # noqa: E402

# The stdlib ships without the pure-Python twins of built-in C modules
# (tools/bundle.py BUILTIN_TWINS): these imports must find the C ones.
check("datetime and abc without their pure-Python twins", lambda: (
    __import__("datetime").datetime(2026, 1, 2, tzinfo=__import__("datetime").timezone.utc).isoformat()
    == "2026-01-02T00:00:00+00:00" and type(__import__("abc").ABC).__module__ == "abc"
    and "_pydatetime" not in sys.modules and "_py_abc" not in sys.modules) or "a twin was imported")

keys.warm_up()
for sample in ("rsa4096.asc", "ed25519.asc", "rsa2048-cert.pem"):
    with open(f"/repo/bench/samples/{sample}", "rb") as f:
        data = f.read()
    check(f"check_key {sample}", lambda d=data: keys.check_key(d, ["alice@example.org"]).accepted)
check("check_key private key refused", lambda: keys.check_key(
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxx\n-----END PGP PRIVATE KEY BLOCK-----").is_private)
# The scores the server's zxcvbn-rs 3.1.1 gives (tests/unit/test_passwords.py):
# the last three need the page's zxcvbn-rs adjustments (keypad degree, upper-case
# variations, sequences), so a runtime that stops scoring, or scores like the
# plain Python port, fails here.
SERVER_SCORES = {"password": 0, "correct horse battery staple": 4, "$l33py1584": 2,
                 "tm9X4ZUM4": 2, "urb1n0336": 2}
check("password strength as the server scores it", lambda: (lambda got: got == SERVER_SCORES or got)(
    {pw: passwords.assess(pw).server_score for pw in SERVER_SCORES}))
check("password refused with the server's words", lambda: passwords.assess("password").message == (
    "Password is too weak. This is a top-10 common password. Add another word or two. "
    "Uncommon words are better.") or passwords.assess("password").message)
check("password strength, German", lambda: (
    lambda de, en: (de != en and i18n.t("pw.warning.top10", "de") in de) or de)(
    passwords.describe(passwords.assess("password"), lang="de")["verdict"],
    passwords.describe(passwords.assess("password"), lang="en")["verdict"]))
secret = totp.new_secret()
url = totp.build_url(secret, "alice@example.org")
check("totp url round trip", lambda: totp.parse_url(url).account == "alice@example.org")
check("totp code", lambda: totp.check_code(secret, totp.code_at(secret)))
check("totp qr svg", lambda: totp.qr_svg(url, title="QR").startswith("<svg"))
check("totp recovery kit", lambda: bool(totp.recovery_kit("alice@example.org", "Mail", secret, url, "0.16")))
check("allowed IPs", lambda: ipnets.parse_allowed_ips("192.0.2.10, 2001:db8::/64")[0] == ["192.0.2.10", "2001:db8::/64"])
check("pkce", lambda: len(auth.pkce_challenge("x" * 43)) > 20)
# The origin rules give the page's Python (3.14, its Unicode tables) what CPython
# gives (tests/unit/test_origins.py): IDNA mapping, IPv4 number forms, IPv6 written
# by the URL standard's rules (ipaddress writes IPv4-mapped addresses dotted since 3.13).
check("origins as under CPython", lambda: (lambda got: got == [
    "https://xn--fa-hia.de", "https://mail.xn--exmple-4nf.com", "http://127.0.0.1:8080", "https://[::ffff:7f00:1]",
    False, True] or got)([origins.canonical("FA\u00df.de"), origins.canonical("mail.ex\u0430mple.com/x"),
                          origins.canonical("http://0x7f.1:8080"), origins.canonical("[::ffff:127.0.0.1]"),
                          origins.is_loopback("[::ffff:127.0.0.1]"), origins.is_loopback("a.localhost")]))
check("i18n", lambda: i18n.t("ui.title", "de") == "Kontosicherheit" or i18n.t("ui.title", "de"))
# English comes with the app archive, the other languages from the lib archive
# (app/messages/__init__.py looks there): every one loads, from where it should.
check("catalogues from their archives", lambda: (lambda where: where == {
    lang: "/lib/app.zip/" if lang == "en" else "/lib/lib.zip/" for lang in i18n.LANGUAGES} or where)(
    {lang: i18n.catalogue(lang) and sys.modules[i18n.module_name(lang)].__file__[:13] for lang in i18n.LANGUAGES}))
check("traceback names the archive file", lambda: (
    "/lib/app.zip/app/totp.py" in "".join(traceback.format_exception(*_error(lambda: totp.normalize_key(None))))))


result = json.dumps({"missing": missing, "failed": failed, "checks": checks,
                     "modules": sorted(sys.modules)})
