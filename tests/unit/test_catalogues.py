"""The catalogues (app/messages/<lang>.py): every key the app uses exists in
every language, every key is used somewhere, and placeholders agree.

"Used" means: the key is a string literal in a module under app/ (the
catalogues themselves excluded: they name every key) or a data-i18n*
attribute in index.html, or it is built at run time from one of the prefixes
in DYNAMIC below. DYNAMIC is the only way to build a key from parts; the test
checks each prefix is really built in the code and lists each key it may build.
Whether the translations are done is tests/unit/test_translations_complete.py.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app import i18n

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
EN = i18n.catalogue("en")
OTHERS = [code for code in i18n.LANGUAGES if code != "en"]

# prefix -> every suffix the code may append (f"pw.score.{score}" …)
DYNAMIC: dict[str, set[str]] = {
    "pw.score.": {"0", "1", "2", "3", "4"},
    "pw.time.": {f"{unit}{plural}" for unit in ("second", "minute", "hour", "day", "month", "year")
                 for plural in ("", "s")},
    "pw.warning.": {"straight_rows", "short_keyboard", "repeats_aaa", "repeats_abcabc", "top10",
                    "top100", "common", "similar_common", "sequences", "recent_years",
                    "word_by_itself", "dates", "names_by_themselves", "common_names"},
    "pw.suggestion.": {"few_words", "no_need_symbols", "add_word", "capitalization",
                       "all_uppercase", "reversed", "substitutions", "longer_keyboard",
                       "avoid_repeats", "avoid_sequences", "avoid_recent_years",
                       "avoid_years_you", "avoid_dates_you"},
    "err.outcome_unknown.": {"password", "two_factor", "credential", "encryption"},
    "state.": {"not_permitted", "not_supported", "managed_elsewhere", "turned_off",
               "password_expired", "unreadable"},
    "date.month.": {str(n) for n in range(1, 13)},
}
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAMESPACES = sorted({k.split(".")[0] for k in EN})
KEY_LIKE = re.compile(r"(?:%s)\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\Z" % "|".join(NAMESPACES))
PREFIX_LIKE = re.compile(r"(?:%s)\.(?:[A-Za-z0-9_]+\.)*\Z" % "|".join(NAMESPACES))


def _app_modules():
    for path in sorted(APP.rglob("*.py")):
        if path.relative_to(APP).parts[0] == "messages":
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _scan():
    """(literal keys -> where, built prefixes -> where) over app/ and index.html."""
    literals: dict[str, str] = {}
    built: dict[str, str] = {}
    for path, tree in _app_modules():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if KEY_LIKE.match(node.value):
                    literals.setdefault(node.value, where)
            elif isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                if isinstance(head, ast.Constant) and PREFIX_LIKE.match(str(head.value)):
                    built.setdefault(head.value, where)
    page = (ROOT / "index.html").read_text(encoding="utf-8")
    for key in re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', page):
        literals.setdefault(key, "index.html")
    return literals, built


LITERALS, BUILT = _scan()


def test_the_scan_sees_the_app():
    for key in ("totp.url.secret_short", "pw.too_weak", "keys.pgp_expired", "err.timeout",
                "ui.title", "ui.enc.no_expiry"):
        assert key in LITERALS, key
    assert LITERALS["ui.skip"] == "index.html"
    assert "pw.score." in BUILT


# ---------------------------------------------------------------- every language, every key

@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_catalogue_is_a_flat_dict_of_texts(code):
    cat = i18n.catalogue(code)
    assert isinstance(cat, dict) and len(cat) > 400
    for key, text in cat.items():
        assert isinstance(key, str) and isinstance(text, str), (code, key)
        assert text.strip() and text == text.strip(), (code, key)


@pytest.mark.parametrize("code", OTHERS)
def test_same_keys_as_english(code):
    cat = i18n.catalogue(code)
    assert sorted(set(EN) - set(cat)) == [], f"missing in {code}"
    assert sorted(set(cat) - set(EN)) == [], f"only in {code}, not in English"


@pytest.mark.parametrize("code", OTHERS)
def test_same_placeholders_as_english(code):
    cat = i18n.catalogue(code)
    names = lambda text: set(PLACEHOLDER.findall(text))  # noqa: E731
    wrong = {k: (sorted(names(EN[k])), sorted(names(cat[k])))
             for k in EN if k in cat and names(EN[k]) != names(cat[k])}
    assert wrong == {}


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_no_stray_braces(code):
    """A brace that is not a ``{name}`` placeholder is a typo (``{name``, ``{ name }``)."""
    for key, text in i18n.catalogue(code).items():
        rest = PLACEHOLDER.sub("", text)
        assert "{" not in rest and "}" not in rest, (code, key)


# ---------------------------------------------------------------- used <-> catalogued

def test_every_key_the_app_uses_exists():
    assert {k: w for k, w in LITERALS.items() if k not in EN} == {}


def test_every_key_is_used():
    built = {prefix + s for prefix, suffixes in DYNAMIC.items() for s in suffixes}
    unused = sorted(k for k in EN if k not in LITERALS and k not in built)
    assert unused == []


def test_keys_are_built_only_from_the_listed_prefixes():
    assert {p: w for p, w in BUILT.items() if p not in DYNAMIC} == {}
    assert sorted(set(DYNAMIC) - set(BUILT)) == []  # no stale entry in the table
    for prefix, suffixes in DYNAMIC.items():
        missing = sorted(prefix + s for s in suffixes if prefix + s not in EN)
        assert missing == [], prefix


def test_the_passwords_module_builds_exactly_the_listed_feedback_keys():
    from app import passwords

    assert set(passwords._W.values()) == {"pw.warning." + s for s in DYNAMIC["pw.warning."]}
    assert set(passwords._S.values()) == {"pw.suggestion." + s for s in DYNAMIC["pw.suggestion."]}


def test_the_scan_catches_a_dead_and_a_missing_key(monkeypatch):
    """The two checks above fail when they should (no test that cannot fail)."""
    monkeypatch.setitem(EN, "ui.nobody.uses.this", "Dead text")
    built = {prefix + s for prefix, suffixes in DYNAMIC.items() for s in suffixes}
    assert [k for k in EN if k not in LITERALS and k not in built] == ["ui.nobody.uses.this"]
    literals = dict(LITERALS, **{"ui.typo.key": "app/ui/x.py"})
    assert [k for k in literals if k not in EN] == ["ui.typo.key"]


# ---------------------------------------------------------------- the files translators edit

def test_english_tells_translators_the_rules():
    doc = (APP / "messages" / "en.py").read_text(encoding="utf-8")
    for must in ("{name}", "placeholder", "Server wording", "TRANSLATION PENDING",
                 "two-factor authentication", "recovery kit"):
        assert must in doc, must


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
def test_catalogue_files_keep_the_english_order(code):
    """Same order in every file, so a translator can work side by side with en.py."""
    assert list(i18n.catalogue(code)) == list(EN)


def test_language_switch_lists_every_language_in_its_own_name():
    page = (ROOT / "index.html").read_text(encoding="utf-8")
    select = re.search(r'<select id="lang"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)"[^>]*\blang="([^"]+)"[^>]*>([^<]+)</option>', select)
    assert [(v, name) for v, _, name in options] == list(i18n.LANGUAGES.items())
    assert all(v == lang for v, lang, _ in options)
    assert 'dir="rtl"' in re.search(r'<option value="ar"[^>]*>', select).group(0)


# ---------------------------------------------------------------- German is done

def test_german_is_translated_and_reads_right():
    de = i18n.catalogue("de")
    same = [k for k in EN if EN[k] == de[k]]
    # identical only where the word is the same in both (names, units, AES-256 …)
    assert len(same) < 0.05 * len(EN), same
    assert de["ui.password.title"] == "Passwort"
    assert de["ui.totp.title"] == "Zwei-Faktor-Authentifizierung"
    assert i18n.t("ui.enc.no_expiry", "de") == "läuft nicht ab"
    texts = " ".join(de.values())
    for slip in ("läuft ab nie", "Phone mail app", "Backup script", "Wiederherstellungs-Kit",
                 "ruhender Daten", "Geheimnis"):
        assert slip not in texts, slip
