"""app.i18n: languages, choosing one, lazy catalogues, the one fill function,
fallbacks, and numbers/dates written for each language.

The catalogues themselves (every key in every language, nothing unused,
placeholders agree) are checked in test_catalogues.py."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import i18n
from app.i18n import LANGUAGES, choose, set_language, t

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _english():
    set_language("en")
    yield
    set_language("en")


# ---------------------------------------------------------------- the languages

def test_eight_languages_in_their_own_names_one_right_to_left():
    assert list(LANGUAGES) == ["en", "de", "fr", "es", "it", "pt-BR", "nl", "ar"]
    assert LANGUAGES["de"] == "Deutsch" and LANGUAGES["pt-BR"] == "Português (Brasil)"
    assert LANGUAGES["ar"] == "العربية"
    assert [code for code in LANGUAGES if i18n.direction(code) == "rtl"] == ["ar"]
    assert i18n.direction("ar-EG") == "rtl" and i18n.direction("en") == "ltr"


def test_each_language_has_its_catalogue_module():
    for code in LANGUAGES:
        assert (ROOT / "app" / "messages" / (i18n.module_name(code).rsplit(".", 1)[1] + ".py")).is_file()
    assert i18n.module_name("pt-BR") == "app.messages.pt_BR"
    with pytest.raises(KeyError):
        i18n.catalogue("xx")


def _imported_after(code: str) -> set[str]:
    """The app modules a fresh interpreter has loaded after running ``code``."""
    probe = code + "\nimport sys\nprint(' '.join(sorted(m for m in sys.modules if m.startswith('app'))))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_importing_i18n_loads_no_catalogue_and_no_feature_module():
    assert _imported_after("import app.i18n") == {"app", "app.i18n"}


def test_a_language_is_loaded_on_first_use_only():
    loaded = _imported_after("from app import i18n\ni18n.t('ui.title', 'de')")
    # German only: not English, not the other six, never app.keys
    assert loaded == {"app", "app.i18n", "app.messages", "app.messages.de"}
    # English joins only when a German text is missing (the fallback)
    loaded = _imported_after("from app import i18n\ni18n.t('ui.nope', 'de')")
    assert loaded == {"app", "app.i18n", "app.messages", "app.messages.de", "app.messages.en"}


def test_a_catalogue_is_found_in_a_lib_archive_on_the_path(tmp_path):
    """The page ships the non-English catalogues in its lib archive (tools/bundle.py),
    on sys.path as /lib/lib.zip: app.messages looks for its modules there too."""
    lib = tmp_path / "lib.zip"
    with zipfile.ZipFile(lib, "w") as z:
        z.writestr("app/messages/xx_lib.py", "MESSAGES = {'ui.title': 'from the lib archive'}\n")
    probe = ("import importlib, sys\nsys.path.insert(1, sys.argv[1])\n"
             "m = importlib.import_module('app.messages.xx_lib')\n"
             "print(m.MESSAGES['ui.title'], m.__file__.startswith(sys.argv[1]))")
    run = lambda path: subprocess.run([sys.executable, "-c", probe, str(path)], cwd=ROOT,  # noqa: E731
                                      capture_output=True, text=True)
    assert run(lib).stdout.strip() == "from the lib archive True"
    other = tmp_path / "other.zip"  # only an archive named lib.zip counts
    lib.rename(other)
    assert "ModuleNotFoundError" in run(other).stderr


# ---------------------------------------------------------------- choosing the language

@pytest.mark.parametrize("raw,expected", [
    ("de-AT", "de"), ("en_US", "en"), ("EN", "en"), ("pt_BR", "pt-BR"), ("pt-PT", "pt-BR"),
    ("pt", "pt-BR"), ("nl-BE", "nl"), ("ar-EG", "ar"), ("fr_CA", "fr"), ("es-419", "es"),
    ("it", "it"), ("xx", None), ("", None), (None, None), ("  ", None),
])
def test_normalize(raw, expected):
    assert i18n.normalize(raw) == expected


@pytest.mark.parametrize("langs,expected", [
    (["de-DE", "en-US"], "de"),
    (["ja", "fr-FR", "de"], "fr"),
    (["en-GB", "de"], "en"),
    (["ja", "zh"], "en"),
    ([], "en"),
    (None, "en"),
    (["DE_ch"], "de"),
    (["", "  "], "en"),
])
def test_first_browser_language_we_have(langs, expected):
    assert choose(None, None, langs) == expected


def test_the_switch_wins_then_the_account_then_the_browser():
    assert choose("nl", "de_DE", ["fr"]) == "nl"
    assert choose(None, "de_DE", ["fr"]) == "de"
    assert choose(None, "pt_BR", ["fr"]) == "pt-BR"
    assert choose(None, None, ["fr", "de"]) == "fr"
    assert choose("xx", "ja_JP", ["ko", "it"]) == "it"  # unknown values are skipped, not fatal
    assert choose(None, None, None) == "en"


def test_current_language():
    assert set_language("de-AT") == "de"
    assert i18n.get_language() == "de"
    assert t("ui.password.title") == "Passwort"
    assert t("ui.password.title", "en") == "Password"
    assert set_language("ja") == "en"
    assert t("ui.password.title") == "Password"
    assert set_language(None) == "en"


# ---------------------------------------------------------------- t(), fill(), fallbacks

def test_t_fills_params_and_leaves_unknown_placeholders():
    assert t("ip.invalid", value="x") == "“x” is not an IP address or network."
    assert t("ip.invalid") == "“{value}” is not an IP address or network."
    assert t("pw.time.days", "de", n=3) == "3 Tage"
    # parameters are never interpreted as format specs or attribute lookups
    assert t("ip.invalid", value="{0.__class__}") == "“{0.__class__}” is not an IP address or network."
    assert i18n.fill("{a}{b}{a}", {"a": "{b}", "b": 1}) == "{b}1{b}"


def test_missing_text_falls_back_to_english_then_to_the_key(monkeypatch):
    monkeypatch.setitem(i18n.catalogue("en"), "ui.test.only_en", "Only English {x}")
    assert t("ui.test.only_en", "de", x=1) == "Only English 1"
    assert t("ui.does.not.exist") == "ui.does.not.exist"
    assert t("ui.does.not.exist", "de", x=1) == "ui.does.not.exist"


def test_translate_issues_and_errors():
    from app.errors import AuthRequired
    from app.issues import Issue

    issue = Issue.make("ip.invalid", value="x")
    assert issue.message == str(issue) == "“x” is not an IP address or network."
    assert i18n.translate(issue, "de") == "„x“ ist keine IP-Adresse und kein Netz."
    err = AuthRequired()
    assert err.message.startswith("The server did not accept these credentials")
    assert i18n.translate(err, "de").startswith("Der Server hat diese Zugangsdaten nicht angenommen")

    class ServerSaid:
        key, params, message = "server.unknown", {}, "Something the server said"

    assert i18n.translate(ServerSaid(), "de") == "Something the server said"


def test_exact_required_wording():
    cors = t("err.cannot_reach_cors", origin="https://mail.example.com",
             setting_016="x:Http.usePermissiveCors", setting_legacy="http.permissive-cors")
    assert "https://mail.example.com" in cors and "x:Http.usePermissiveCors" in cors
    assert "http.permissive-cors" in cors
    # the overview says "not permitted", and in its own words who can change it: the
    # administrator, or (an app password or API key with limits) a sign-in with the password
    assert t("ui.summary.not_permitted") == "not permitted"
    assert t("ui.row.admin") == "Only your administrator can change this."


# ---------------------------------------------------------------- numbers, dates, times

@pytest.mark.parametrize("lang,number,decimal", [
    ("en", "1,048,576", "-12,345.50"),
    ("de", "1.048.576", "-12.345,50"),
    ("fr", "1\u202f048\u202f576", "-12\u202f345,50"),
    ("es", "1.048.576", "-12.345,50"),
    ("it", "1.048.576", "-12.345,50"),
    ("pt-BR", "1.048.576", "-12.345,50"),
    ("nl", "1.048.576", "-12.345,50"),
    ("ar", "١٬٠٤٨٬٥٧٦", "-١٢٬٣٤٥٫٥٠"),
])
def test_numbers_per_language(lang, number, decimal):
    assert i18n.format_number(1048576, lang) == number
    assert i18n.format_number(-12345.5, lang, decimals=2) == decimal
    # key sizes read as the texts write them: 2048, not 2,048
    assert i18n.format_number(2048, lang) == ("٢٠٤٨" if lang == "ar" else "2048")


def test_dates_and_times_per_language():
    day = dt.date(2026, 3, 7)
    at = dt.datetime(2026, 3, 7, 15, 5)
    assert i18n.format_date(day, "en") == "Mar 7, 2026"
    assert i18n.format_date(day, "de") == "07.03.2026"
    assert i18n.format_date(day, "pt-BR") == "7 de " + t("date.month.3", "pt-BR") + " de 2026"
    assert i18n.format_date(day, "fr") == "7 " + t("date.month.3", "fr") + " 2026"
    assert i18n.format_datetime(at, "en") == "Mar 7, 2026, 3:05 PM"
    assert i18n.format_datetime(dt.datetime(2026, 3, 7, 0, 30), "en") == "Mar 7, 2026, 12:30 AM"
    assert i18n.format_datetime(at, "de") == "07.03.2026, 15:05"
    assert i18n.format_datetime(at, "ar").endswith("، ١٥:٠٥")
    assert "2026" not in i18n.format_date(day, "ar") and "٢٠٢٦" in i18n.format_date(day, "ar")


def test_fill_writes_numbers_and_dates_for_the_language():
    assert t("keys.too_large", "de", size=2000000, limit=1048576).startswith(
        "Die Eingabe hat 2.000.000 Byte;")
    assert "(Grenze 1.048.576 Byte)" in t("keys.too_large", "de", size=1, limit=1048576)
    assert t("keys.pgp_expired", "de", keyid="ABCD", date=dt.date(2020, 1, 2)) .startswith(
        "Der Schlüssel ABCD ist am 02.01.2020 abgelaufen.")
    assert "on Jan 2, 2020." in t("keys.pgp_expired", "en", keyid="ABCD", date=dt.date(2020, 1, 2))
    assert t("pw.time.days", "en", n=15000) == "15,000 days"
    assert "only 1024 bits" in t("keys.pgp_rsa_small", "en", keyid="K", bits=1024)
    assert t("ui.summary.count", "en", n=True) == "True active"  # a flag is not a number
