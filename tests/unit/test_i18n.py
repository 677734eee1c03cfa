"""app.i18n: the one catalogue. Completeness of en/de, fallbacks, and that every
key the app uses (ours, app.errors.MESSAGES, app.keys.MESSAGES, index.html,
app/ui) is translated.

The catalogue is assembled from app/messages/{en,de}.py (logic modules, shared
texts) and app/messages/page_{en,de}.py (the page's own controls); a key lives
in exactly one of them."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from app import i18n
from app.i18n import LANGUAGES, pick_language, set_language, t
from app.messages import de, en

APP = Path(__file__).resolve().parents[2] / "app"
OUR_NAMESPACES = ("ui.", "totp.", "pw.", "ip.")
KEY_LITERAL = re.compile(r"(?:ui|totp|pw|ip)\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\Z")
# modules whose MESSAGES the catalogue must cover, once they exist
FOREIGN = ("app.errors", "app.keys")
EN = i18n.CATALOGUES["en"]
DE = i18n.CATALOGUES["de"]


@pytest.fixture(autouse=True)
def _english():
    set_language("en")
    yield
    set_language("en")


# ---------------------------------------------------------------- the catalogue itself

def test_languages():
    assert LANGUAGES == {"en": "English", "de": "Deutsch"}
    assert set(i18n.CATALOGUES) == set(LANGUAGES)


def test_en_and_de_have_the_same_keys():
    assert sorted(set(EN) - set(DE)) == [] and sorted(set(DE) - set(EN)) == []


def test_one_catalogue_file_per_language():
    assert EN is en.MESSAGES and DE is de.MESSAGES


def test_our_own_keys_are_there_unconditionally():
    ours = [k for k in EN if k.startswith(OUR_NAMESPACES)]
    for prefix in OUR_NAMESPACES:
        assert any(k.startswith(prefix) for k in ours), prefix
    for k in ("ui.password.title", "ui.totp.title", "ui.cred.app", "ui.enc.title", "ui.loading",
              "ui.cors.page_origin", "ui.signin.oauth", "ui.signin.stay", "ui.who.signout",
              "ui.signin.device", "ui.signin.token", "ui.password.legacy_wipe", "ui.secret.once",
              "ui.enc.append", "ui.enc.spam", "ui.enc.disable", "ui.totp.kit",
              "unavailable.permissions", "err.cannot_reach_cors"):
        assert k in EN and k in DE, k
    for alg in ("Aes128", "Aes256", "Aes256Gcm", "ChaCha20Poly1305"):
        assert f"ui.enc.alg.{alg}" in EN


def test_texts_are_non_empty_and_placeholders_agree():
    for key, text in EN.items():
        assert isinstance(text, str) and text.strip(), key
        assert isinstance(DE[key], str) and DE[key].strip(), key
        assert i18n.placeholders(text) == i18n.placeholders(DE[key]), key


def test_german_is_actually_translated():
    same = [k for k in EN if EN[k] == DE[k]]
    # identical only where the word is the same in both (names, units, "Details", …)
    assert len(same) < 0.05 * len(EN), same
    assert t("ui.password.title", "de") == "Passwort"
    assert t("ui.totp.title", "de") == "Zwei-Faktor-Authentifizierung"


def test_exact_required_wording():
    cors = t("err.cannot_reach_cors", origin="https://mail.example.com",
             setting_016="x:Http.usePermissiveCors", setting_legacy="http.permissive-cors")
    assert "https://mail.example.com" in cors and "x:Http.usePermissiveCors" in cors
    assert "http.permissive-cors" in cors
    assert "https://sec.example.org" in t("ui.cors.page_origin", page_origin="https://sec.example.org")
    assert t("unavailable.permissions", permissions="sysAccountPasswordUpdate").startswith(
        "Account security management is not available for this mail server")
    assert "sysAccountPasswordUpdate" in t("unavailable.permissions", "de",
                                           permissions="sysAccountPasswordUpdate")
    assert t("ui.loading") == "Loading…"
    assert t("ui.secret.once") == "Copy it now: you will not see it again."


# ---------------------------------------------------------------- t(), fallbacks, languages

def test_t_fills_params_and_leaves_unknown_placeholders():
    assert t("ip.invalid", value="x") == "“x” is not an IP address or network."
    assert t("ip.invalid") == "“{value}” is not an IP address or network."
    assert t("pw.time.days", "de", n=3) == "3 Tage"
    # parameters are never interpreted as format specs or attribute lookups
    assert t("ip.invalid", value="{0.__class__}") == "“{0.__class__}” is not an IP address or network."


def test_missing_german_falls_back_to_english(monkeypatch):
    monkeypatch.setitem(i18n.CATALOGUES["en"], "ui.test.only_en", "Only English {x}")
    assert t("ui.test.only_en", "de", x=1) == "Only English 1"


def test_unknown_key_is_the_key_itself():
    assert t("ui.does.not.exist") == "ui.does.not.exist"
    assert t("ui.does.not.exist", "de", x=1) == "ui.does.not.exist"


def test_current_language():
    assert set_language("de-AT") == "de"
    assert i18n.get_language() == "de"
    assert t("ui.password.title") == "Passwort"
    assert t("ui.password.title", "en") == "Password"
    assert set_language("fr") == "en"
    assert t("ui.password.title") == "Password"
    assert set_language(None) == "en"


@pytest.mark.parametrize("langs,expected", [
    (["de-DE", "en-US"], "de"),
    (["fr-FR", "de"], "de"),
    (["en-GB", "de"], "en"),
    (["fr", "es"], "en"),
    ([], "en"),
    (None, "en"),
    (["DE_ch"], "de"),
    (["", "  "], "en"),
])
def test_pick_language(langs, expected):
    assert pick_language(langs) == expected


def test_translate_objects():
    from app.issues import Issue

    issue = Issue.make("ip.invalid", value="x")
    assert issue.message == "“x” is not an IP address or network."
    assert i18n.translate(issue, "de") == "„x“ ist keine IP-Adresse und kein Netz."
    assert issue.text("de") == i18n.translate(issue, "de")

    class ServerError:
        key, params, message = "server.unknown", {}, "Something the server said"

    assert i18n.translate(ServerError(), "de") == "Something the server said"


# ---------------------------------------------------------------- keys used anywhere in app/

def _app_sources():
    for path in sorted(APP.rglob("*.py")):
        if "messages" in path.relative_to(APP).parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_lookup(func: ast.expr) -> bool:
    """``t(…)``, ``i18n.t(…)``, ``Issue.make(…)``: calls whose first argument is a key."""
    if isinstance(func, ast.Name):
        return func.id == "t"
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return (func.attr == "t" and owner == "i18n") or (func.attr == "make" and owner == "Issue")
    return False


def _used_keys():
    exact: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path, tree in _app_sources():
        where = str(path.relative_to(APP.parent))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and _is_lookup(node.func):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    exact[first.value] = where
                if isinstance(first, ast.JoinedStr):
                    head = first.values[0] if first.values else None
                    if isinstance(head, ast.Constant) and str(head.value).startswith(OUR_NAMESPACES):
                        prefixes[head.value] = where
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY_LITERAL.match(node.value):
                    exact[node.value] = where
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and isinstance(head.value, str) \
                        and KEY_LITERAL.match(head.value.rstrip(".")) and head.value.endswith("."):
                    prefixes[head.value] = where
    return exact, prefixes


def test_every_key_used_in_app_code_exists_in_english():
    exact, prefixes = _used_keys()
    assert "totp.url.secret_short" in exact and "pw.too_weak" in exact  # the scan works
    missing = {k: w for k, w in exact.items() if k not in EN}
    assert missing == {}
    for prefix, where in prefixes.items():
        assert any(k.startswith(prefix) for k in EN), (prefix, where)


def test_every_key_in_the_static_page_exists():
    """index.html marks translatable elements with data-i18n="key"."""
    page = APP.parent / "index.html"
    keys = set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', page.read_text(encoding="utf-8")))
    assert keys, "index.html has no data-i18n keys"
    assert sorted(k for k in keys if k not in EN) == []
    assert sorted(k for k in keys if k not in DE) == []


def test_dynamic_key_families_are_complete():
    for n in range(5):
        assert f"pw.score.{n}" in EN
    for unit in ("second", "minute", "hour", "day", "month", "year"):
        assert f"pw.time.{unit}" in EN and f"pw.time.{unit}s" in EN
    from app import passwords

    for key in [*passwords._W.values(), *passwords._S.values()]:
        assert key in EN and key in DE


# ---------------------------------------------------------------- teammates' MESSAGES

def _foreign_modules():
    found = []
    for name in FOREIGN:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            found.append(name)
    return found


def _placeholder_names(text: str) -> set[str]:
    return set(re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", text))


def test_foreign_messages_are_in_both_languages():
    found = _foreign_modules()  # a module is checked as soon as it exists
    for name in found:
        module = importlib.import_module(name)  # must import cleanly once it exists
        messages = getattr(module, "MESSAGES")
        assert isinstance(messages, dict) and messages, name
        missing_en = sorted(k for k in messages if k not in EN)
        missing_de = sorted(k for k in messages if k not in DE)
        assert missing_en == [] and missing_de == [], name
        for key, template in messages.items():
            # the UI fills our text with the module's params: the names must agree
            assert _placeholder_names(template) == i18n.placeholders(EN[key]), key
            assert i18n.placeholders(DE[key]) == i18n.placeholders(EN[key]), key
    assert set(found) == set(FOREIGN)  # both exist in this tree; keep them covered


def test_no_dead_page_texts():
    """Every ui.* text is shown somewhere (app code or index.html): no stale copies."""
    used = "".join(p.read_text() for p in APP.rglob("*.py") if "messages" not in p.relative_to(APP).parts)
    used += (APP.parent / "index.html").read_text()
    dead = sorted(k for k in EN if k.startswith("ui.") and k not in used)
    assert dead == []
