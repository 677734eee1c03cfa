"""Password strength feedback that mirrors the server's policy.

Stalwart 0.16 (``Server::is_secure_password``, crates/common/src/network/security.rs):

* length is ``password.len()`` in Rust, i.e. **UTF-8 bytes**, although the
  message says "characters"; defaults min 8, max 128 (admin-configurable);
* then zxcvbn-rs 3.1 with **no user inputs** and the first 100 characters; the
  score must be >= 3 (default), else "Password is too weak. <feedback>" where
  feedback is the warning, a space, and the suggestions joined by spaces.

We run the Python port of zxcvbn (same algorithm and dictionaries), adjusted
where zxcvbn-rs differs (``_like_zxcvbn_rs``), and rebuild the feedback with
zxcvbn-rs's rules and wording, so score and text are the ones the server
would produce. ``ok`` is the server's verdict; ``score`` additionally
counts the user's own name and address (``user_inputs``), and when only that
makes it weak, ``advice`` says so without blocking.

Stalwart 0.11-0.15 has no check at all: ``ok`` is True (unless empty: an empty
secret can never log in, so we never allow it) and ``advice`` recommends >= 3.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from app.i18n import t
from app.vocab import StrengthPolicy

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_SCORE = 3
ZXCVBN_CHARS = 100  # zxcvbn-rs only looks at the first 100 chars

# zxcvbn-rs Warning/Suggestion -> our keys (English text = server wording)
_W = {k: f"pw.warning.{k}" for k in (
    "straight_rows", "short_keyboard", "repeats_aaa", "repeats_abcabc", "top10", "top100",
    "common", "similar_common", "sequences", "recent_years", "word_by_itself", "dates",
    "names_by_themselves", "common_names")}
_S = {k: f"pw.suggestion.{k}" for k in (
    "few_words", "no_need_symbols", "add_word", "capitalization", "all_uppercase", "reversed",
    "substitutions", "longer_keyboard", "avoid_repeats", "avoid_sequences", "avoid_recent_years",
    "avoid_years_you", "avoid_dates_you")}


@dataclass
class Strength:
    score: int                      # 0-4, counting the user's own name/address
    ok: bool                        # what the server would do with it
    too_short: bool
    too_long: bool
    warning: str                    # English, server wording ("" if none)
    suggestions: list[str]          # English, server wording
    key: str                        # the main verdict, a catalogue key
    params: dict[str, Any]
    message: str                    # the verdict in English (server wording when it rejects)
    policy: StrengthPolicy = StrengthPolicy.ENFORCED
    length: int = 0                 # as the server counts it: UTF-8 bytes
    server_score: int = 0           # zxcvbn score without user inputs (what the server sees)
    crack_time_seconds: float = 0.0
    warning_key: str | None = None
    suggestion_keys: list[str] = field(default_factory=list)
    advice: str | None = None       # a catalogue key: not blocking, but worth saying

    def __repr__(self) -> str:  # no password here, but keep logs short
        return f"Strength(score={self.score}, ok={self.ok}, key={self.key!r})"


def user_inputs_for(*names: str) -> list[str]:
    """Words from the login and email address that a guesser would try first."""
    out: list[str] = []
    for name in names:
        if not name:
            continue
        name = str(name).strip().lower()
        local, _, domain = name.partition("@")
        parts = [name, local, domain, *re.split(r"[._+\-]+", local),
                 *domain.split(".")]
        for p in parts:
            if len(p) >= 3 and p not in out:
                out.append(p)
    return out


_configured = False


def _like_zxcvbn_rs() -> None:
    """Make the Python zxcvbn 4.5 score like zxcvbn-rs 3.1 (the server's crate).

    Both port the same algorithm and word lists, but the Rust port differs in
    five places, all found by running both on the same 20,000 passwords (from
    74 different verdicts to none). We set the same behaviour here, once, in
    zxcvbn's module state: this page is the only user of zxcvbn in the process.

    * the reference year is the current year, not 2017, and ``recent_year``
      matches 19xx and 20xx (Python stops at 2019);
    * a sequence may start after a repeated character ("336" is ascending):
      Rust uses 0, not "none yet", as the no-delta-seen marker, and names the
      sequence by its first character;
    * keyboard/keypad average degrees are integers (Rust's u64 division);
    * upper-case variations: a token counts as capitalised only with exactly
      one capital at the start or end, or when every character is a capital
      (so "4ZUM4" gives 0 variations, as in Rust).
    """
    global _configured
    if _configured:
        return
    import datetime

    from zxcvbn import matching, scoring

    scoring.REFERENCE_YEAR = datetime.datetime.now(datetime.timezone.utc).year
    matching.REGEXEN["recent_year"] = re.compile(r"19[0-9]{2}|20[0-9]{2}")
    matching.sequence_match = _rs_sequence_match
    scoring.KEYBOARD_AVERAGE_DEGREE = int(scoring.KEYBOARD_AVERAGE_DEGREE)
    scoring.KEYPAD_AVERAGE_DEGREE = int(scoring.KEYPAD_AVERAGE_DEGREE)
    scoring.uppercase_variations = _rs_uppercase_variations
    _configured = True


def _rs_sequence_match(password: str, _ranked_dictionaries=None) -> list[dict]:
    n = len(password)
    if n <= 1:
        return []
    out: list[dict] = []

    def update(i: int, j: int, delta: int) -> None:
        if (j - i > 1 or abs(delta) == 1) and 0 < abs(delta) <= 5:
            token = password[i:j + 1]
            c = token[0]
            if c.islower():
                name, space = "lower", 26
            elif c.isupper():
                name, space = "upper", 26
            elif "0" <= c <= "9":
                name, space = "digits", 10
            else:
                name, space = "unicode", 26
            out.append({"pattern": "sequence", "i": i, "j": j, "token": token,
                        "sequence_name": name, "sequence_space": space, "ascending": delta > 0})

    i, last = 0, 0
    for k in range(1, n):
        delta = ord(password[k]) - ord(password[k - 1])
        if last == 0:
            last = delta
        if last == delta:
            continue
        update(i, k - 1, last)
        i, last = k - 1, delta
    update(i, n - 1, last)
    return out


def _rs_uppercase_variations(match: dict) -> int:
    from zxcvbn.scoring import nCk

    word = match["token"]
    if all(c.islower() for c in word) or word.lower() == word:
        return 1
    upper = sum(1 for c in word if c.isupper())
    if ((word[0].isupper() or word[-1].isupper()) and upper == 1) or all(c.isupper() for c in word):
        return 2
    lower = sum(1 for c in word if c.islower())
    return sum(nCk(upper + lower, i) for i in range(1, min(upper, lower) + 1))


def _zxcvbn(password: str, user_inputs: Iterable[str]) -> dict:
    from zxcvbn import zxcvbn

    _like_zxcvbn_rs()
    return zxcvbn(password[:ZXCVBN_CHARS], user_inputs=list(user_inputs), max_length=ZXCVBN_CHARS)


def _rust_feedback(score: int, sequence: list[dict]) -> tuple[str | None, list[str]]:
    """zxcvbn-rs 3.1 ``get_feedback``, returning (warning key, suggestion keys)."""
    if not sequence:
        return None, [_S["few_words"], _S["no_need_symbols"]]
    if score >= 3:
        return None, []
    longest = sequence[0]
    for m in sequence[1:]:  # Rust max_by_key keeps the *last* of equal maxima
        if len(m["token"]) >= len(longest["token"]):
            longest = m
    warning, suggestions = _match_feedback(longest, len(sequence) == 1)
    return warning, [_S["add_word"], *suggestions]


def _match_feedback(m: dict, sole: bool) -> tuple[str | None, list[str]]:
    pattern = m.get("pattern")
    if pattern == "dictionary":
        name = m.get("dictionary_name")
        warning = None
        if name == "passwords":
            if sole and not m.get("l33t") and not m.get("reversed"):
                rank = m.get("rank", 0)
                warning = _W["top10"] if rank <= 10 else _W["top100"] if rank <= 100 else _W["common"]
            else:
                warning = _W["similar_common"]
        elif name == "english_wikipedia":
            warning = _W["word_by_itself"] if sole else None
        elif name in ("surnames", "female_names", "male_names"):
            warning = _W["names_by_themselves"] if sole else _W["common_names"]
        suggestions: list[str] = []
        word = m.get("token", "")
        if not word:
            return None, []
        if word[0].isupper():
            suggestions.append(_S["capitalization"])
        elif all(c.isupper() for c in word):
            suggestions.append(_S["all_uppercase"])
        if m.get("reversed") and len(word) >= 4:
            suggestions.append(_S["reversed"])
        if m.get("l33t"):
            suggestions.append(_S["substitutions"])
        return warning, suggestions
    if pattern == "spatial":
        return (_W["straight_rows"] if m.get("turns") == 1 else _W["short_keyboard"],
                [_S["longer_keyboard"]])
    if pattern == "repeat":
        return (_W["repeats_aaa"] if len(m.get("base_token", "")) == 1 else _W["repeats_abcabc"],
                [_S["avoid_repeats"]])
    if pattern == "sequence":
        return _W["sequences"], [_S["avoid_sequences"]]
    if pattern == "regex" and m.get("regex_name") == "recent_year":
        return _W["recent_years"], [_S["avoid_recent_years"], _S["avoid_years_you"]]
    if pattern == "date":
        return _W["dates"], [_S["avoid_dates_you"]]
    return None, []


def feedback_text(warning_key: str | None, suggestion_keys: list[str], lang: str | None = "en") -> str:
    """zxcvbn-rs ``Feedback`` Display: "<warning> <suggestion> <suggestion>"."""
    head = t(warning_key, lang) + " " if warning_key else ""
    return head + " ".join(t(k, lang) for k in suggestion_keys)


def _display_time(seconds: float, lang: str | None = "en") -> str:
    minute, hour = 60, 3600
    day, month, year = 24 * hour, 31 * 24 * hour, 365 * 24 * hour
    if seconds < 1:
        return t("pw.time.instant", lang)
    for unit, size, nxt in (("second", 1, minute), ("minute", minute, hour), ("hour", hour, day),
                            ("day", day, month), ("month", month, year), ("year", year, 100 * year)):
        if seconds < nxt:
            n = int(round(seconds / size))
            return t(f"pw.time.{unit}", lang) if n == 1 else t(f"pw.time.{unit}s", lang, n=n)
    return t("pw.time.centuries", lang)


def assess(password: str, user_inputs: Iterable[str] = (),
           policy: StrengthPolicy | str = StrengthPolicy.ENFORCED, *,
           min_length: int = MIN_LENGTH, max_length: int = MAX_LENGTH,
           min_score: int = MIN_SCORE) -> Strength:
    """Judge ``password`` as the server would (``StrengthPolicy.ENFORCED``, "0.16")
    or advise (``ADVISORY``, "legacy"). Any other policy is a ``ValueError``:
    guessing would either refuse what the server takes or take what it refuses."""
    policy = StrengthPolicy(policy)
    password = password or ""
    inputs = [str(u) for u in user_inputs if u]
    length = len(password.encode("utf-8", "surrogatepass"))
    too_short = length < min_length
    too_long = length > max_length

    if not password:
        server = {"score": 0, "sequence": [], "guesses": 0}
        mine = server
        seconds = 0.0
    else:
        server = _zxcvbn(password, ())
        mine = _zxcvbn(password, inputs) if inputs else server
        seconds = float(mine["crack_times_seconds"]["offline_slow_hashing_1e4_per_second"])
    server_score = int(server["score"])
    score = min(int(mine["score"]), server_score)

    # feedback as the server would word it (no user inputs) ...
    s_warn, s_sugg = _rust_feedback(server_score, server["sequence"])
    # ... and ours, which also knows the user's name
    m_warn, m_sugg = _rust_feedback(score, mine["sequence"]) if mine is not server else (s_warn, s_sugg)

    advice: str | None = None
    params: dict[str, Any] = {}
    if not password:
        ok, key = False, "pw.empty"
    elif policy == StrengthPolicy.ENFORCED:
        if too_long:
            ok, key, params = False, "pw.too_long", {"max": max_length}
        elif too_short:
            ok, key, params = False, "pw.too_short", {"min": min_length}
        elif min_score > 0 and server_score < min_score:
            fb = feedback_text(s_warn, s_sugg, "en")
            ok = False
            key, params = ("pw.too_weak", {"feedback": fb}) if fb else ("pw.too_weak_plain", {})
        else:
            ok, key = True, "pw.ok"
            if score < min_score:
                advice = "pw.ok_personal"
    else:  # ADVISORY (0.11-0.15): the server takes anything
        ok = True
        if score < MIN_SCORE:
            key, params = "pw.legacy.weak", {"feedback": feedback_text(m_warn, m_sugg, "en")}
            advice = "pw.legacy.weak"
        elif too_short:
            key, params = "pw.legacy.short", {"min": min_length}
            advice = "pw.legacy.short"
        else:
            key = "pw.legacy.ok"

    # what to show under the field: the server's words when it will refuse, else ours
    use_server = key in ("pw.too_weak", "pw.too_weak_plain")
    w_key, sugg_keys = (s_warn, s_sugg) if use_server else (m_warn, m_sugg)
    return Strength(
        score=score, ok=ok, too_short=too_short, too_long=too_long,
        warning=t(w_key, "en") if w_key else "",
        suggestions=[t(k, "en") for k in sugg_keys],
        key=key, params=params, message=t(key, "en", **params),
        policy=policy, length=length, server_score=server_score,
        crack_time_seconds=seconds, warning_key=w_key, suggestion_keys=list(sugg_keys),
        advice=advice,
    )


def describe(strength: Strength, lang: str | None = None) -> dict[str, Any]:
    """Everything the UI shows for a ``Strength``, translated."""
    params = dict(strength.params)
    if "feedback" in params:
        params["feedback"] = feedback_text(strength.warning_key, strength.suggestion_keys, lang)
    return {
        "verdict": t(strength.key, lang, **params),
        "label": t(f"pw.score.{strength.score}", lang),
        "warning": t(strength.warning_key, lang) if strength.warning_key else "",
        "suggestions": [t(k, lang) for k in strength.suggestion_keys],
        "crack_time": t("pw.crack_time", lang,
                        time=_display_time(strength.crack_time_seconds, lang)),
        "advice": t(strength.advice, lang, **params) if strength.advice else "",
    }
