"""The Sieve reader on a corpus of scripts: what leaves the account, what
cannot be read (never "clean"), decoded the way the server decodes strings."""
from __future__ import annotations

import pytest

from app.checkup.kinds import Scope, Sends, Unreadable
from app.checkup.sieve import decode_string, read_filter

MINE = frozenset({"example.com"})
R, RC, N = Sends.REDIRECT, Sends.REDIRECT_COPY, Sends.NOTIFY
OUT, IN, UNK = Scope.OUTSIDE, Scope.INSIDE, Scope.UNKNOWN


def targets(text, others=None, name="main"):
    scripts = {**(others or {}), name: text}
    rep = read_filter(name, scripts, MINE)
    assert rep.unreadable is None, (rep.unreadable, rep.detail)
    return [(t.sends, t.address, t.scope) for t in rep.targets]


def unreadable(text, others=None):
    rep = read_filter("main", {**(others or {}), "main": text}, MINE)
    assert rep.unreadable is not None
    return rep


# ----------------------------------------------------------------------- what leaves

@pytest.mark.parametrize("text,want", [
    ('redirect "bob@evil.example";', [(R, "bob@evil.example", OUT)]),
    ('require "copy";\nredirect :copy "bob@evil.example";', [(RC, "bob@evil.example", OUT)]),
    ('require ["copy"]; redirect :copy "me@example.com";', [(RC, "me@example.com", IN)]),
    ('redirect "team@lists.example.com";', [(R, "team@lists.example.com", IN)]),       # subdomain
    ('redirect "bob@notexample.com";', [(R, "bob@notexample.com", OUT)]),               # not a subdomain
    ('redirect "Bob@EVIL.Example.";', [(R, "Bob@EVIL.Example.", OUT)]),
    ('redirect "bob";', [(R, "bob", UNK)]),                                              # no domain
    ('require "enotify"; notify "mailto:a@evil.example";', [(N, "a@evil.example", OUT)]),
    ('require "enotify"; notify :importance "1" :message "x" "mailto:a%40evil.example,b@example.com"'
     '?cc=c@x.example&bcc=d%40y.example&subject=hi";'.replace('"?', '?'),
     [(N, "a@evil.example", OUT), (N, "b@example.com", IN), (N, "c@x.example", OUT), (N, "d@y.example", OUT)]),
    ('require "enotify"; notify "MAILTO:?to=z@evil.example";', [(N, "z@evil.example", OUT)]),
    ('require "enotify"; notify "xmpp:bob@evil.example";', [(N, None, UNK)]),           # not mail: unknown
    ('require "enotify"; notify "mailto:";', [(N, None, UNK)]),
    ('keep;', []),
    ('require ["fileinto"]; fileinto "Archive";', []),                                   # own folders only
    ('discard;', []),
    ('require "reject"; reject "no";', []),
])
def test_targets(text, want):
    assert targets(text) == want


def test_nested_conditions_and_their_flag():
    text = '''require ["fileinto", "copy"];
    if anyof (header :contains "subject" "invoice", address :domain "from" "bank.example") {
        if size :over 10K { redirect :copy "big@evil.example"; }
        elsif exists "x-foo" { keep; }
        else { redirect "small@evil.example"; }
    } elsif header :is "x" "y" {
        fileinto "Y";
    } else {
        stop;
    }
    redirect "always@evil.example";'''
    rep = read_filter("main", {"main": text}, MINE)
    got = [(t.address, t.conditional) for t in rep.targets]
    assert got == [("big@evil.example", True), ("small@evil.example", True), ("always@evil.example", False)]


def test_comments_hide_nothing_and_add_nothing():
    text = '''# redirect "hash@evil.example";
    /* redirect "bracket@evil.example";
       still a comment */
    redirect /* inline */ "real@evil.example"; # trailing
    '''
    assert targets(text) == [(R, "real@evil.example", OUT)]
    assert targets('redirect "hash#not@evil.example";') == [(R, "hash#not@evil.example", OUT)]


def test_multi_line_strings():
    text = 'redirect text: # a comment here is allowed\r\nbob@evil.example\r\n.\r\n;'
    assert targets(text) == [(R, "bob@evil.example", OUT)]
    assert decode_string("text:\r\n..dot\r\nline\r\n.\r", frozenset()) == ".dot\r\nline\r\n"
    assert decode_string("text:\n\n.", frozenset()) == "\n"


@pytest.mark.parametrize("text,want", [
    ('require "encoded-character"; redirect "${hex:62 6F 62}@evil.example";', "bob@evil.example"),
    ('require "encoded-character"; redirect "bob@${unicode:65 76 69 6c}.example";', "bob@evil.example"),
    ('require "encoded-character"; redirect "b${HEX: 6f }b@${Unicode:0065}vil.example";', "bob@evil.example"),
    ('require "encoded-character"; redirect "\\b\\o\\b@evil.example";', "bob@evil.example"),     # dropped \
    ('redirect "bo\\"b@evil.example";', 'bo"b@evil.example'),
])
def test_encoded_strings(text, want):
    assert targets(text) == [(R, want, OUT)]


@pytest.mark.parametrize("text", [
    'require "variables"; set "to" "bob@evil.example"; redirect "${to}";',
    'require "variables"; set "d" "evil.example"; redirect "bob@${d}";',
    'require ["variables", "encoded-character"]; set "t" "x@y.example"; redirect "${hex:24}{t}";',
    'redirect "${hex:62}@evil.example";',            # encoded-character not required: left as written
    'require "encoded-character"; redirect "${hex:zz}@evil.example";',  # not a valid sequence
    'require ["variables", "enotify"]; set "m" "mailto:x@evil.example"; notify "${m}";',
])
def test_a_target_built_at_delivery_is_unknown(text):
    got = targets(text)
    assert got and all(a is None and s is UNK for _, a, s in got)


def test_vacation_is_an_auto_reply_not_a_target():
    rep = read_filter("main", {"main": 'require "vacation"; vacation :days 3 :from "me@example.com" '
                                       ':addresses ["x@evil.example"] "Away";'}, MINE)
    assert rep.auto_reply and not rep.auto_reply_conditional and rep.targets == ()
    rep = read_filter("main", {"main": 'require "vacation"; if true { vacation "Away"; }'}, MINE)
    assert rep.auto_reply and rep.auto_reply_conditional
    # the script Stalwart writes for a VacationResponse (§7.4)
    stalwart = ('require ["vacation", "relational", "date"];\r\n\r\nif currentdate :value "ge" "iso8601" '
                '"2030-01-01T00:00:00Z" {\r\nvacation :mime :subject "Away" "Content-Type: text/plain\r\n\r\n'
                'I am away.";\r\n}\r\n')
    rep = read_filter("vacation", {"vacation": stalwart}, MINE)
    assert rep.unreadable is None and rep.auto_reply


# ----------------------------------------------------------------------- include

def test_include_follows_personal_scripts_by_name():
    others = {"fwd": 'redirect "x@far.example";', "deeper": 'require "include"; include "fwd";'}
    rep = read_filter("main", {**others, "main": 'require "include"; include :personal "deeper";'}, MINE)
    assert [(t.address, t.via) for t in rep.targets] == [("x@far.example", "deeper")]
    rep = read_filter("main", {**others, "main": 'require "include"; if true { include :once "fwd"; }'}, MINE)
    assert [(t.address, t.via, t.conditional) for t in rep.targets] == [("x@far.example", "fwd", True)]


def test_include_global_missing_and_loops():
    assert targets('require "include"; include :global "fwd";', {"fwd": 'redirect "x@far.example";'}) == []
    assert targets('require "include"; include :optional "nothere";') == []
    loop = {"a": 'require "include"; include "main"; redirect "a@far.example";'}
    assert targets('require "include"; include "a"; return;', loop) == [(R, "a@far.example", OUT)]


def test_an_included_script_without_text_or_unreadable_makes_the_filter_unreadable():
    rep = unreadable('require "include"; include "fwd";', {"fwd": None})
    assert rep.unreadable is Unreadable.INCLUDE_MISSING and rep.unreadable_script == "fwd"
    rep = unreadable('require "include"; include "bad";', {"bad": 'redirect "x@far.example"'})
    assert rep.unreadable is Unreadable.SYNTAX and rep.unreadable_script == "bad"
    rep = unreadable('require ["include", "variables"]; set "n" "x"; include "${n}";')
    assert rep.unreadable is Unreadable.SYNTAX


def test_include_depth_is_bounded():
    chain = {f"s{i}": f'require "include"; include "s{i + 1}";' for i in range(20)}
    chain["s20"] = 'redirect "deep@far.example";'
    rep = unreadable('require "include"; include "s0";', chain)
    assert rep.unreadable is Unreadable.TOO_DEEP


# ----------------------------------------------------------------------- unreadable

@pytest.mark.parametrize("text,reason", [
    ('redirect "a@evil.example"', Unreadable.SYNTAX),          # no ";": sievelib alone would drop it
    ('if true { redirect "a@evil.example"; ', Unreadable.SYNTAX),
    ('redirect :copy "a@evil.example";', Unreadable.SYNTAX),    # :copy without require
    ('require "vnd.stalwart.expressions"; eval "1";', Unreadable.SYNTAX),
    ('require "enotify"; notify :fcc "Sent" "mailto:a@evil.example";', Unreadable.SYNTAX),
    ('redirect "a@evil.example"; }', Unreadable.SYNTAX),
    ('require "duplicate"; if duplicate { discard; } redirect "a@evil.example";', Unreadable.SYNTAX),
    (b'redirect "\xff@evil.example";', Unreadable.NOT_TEXT),
    (None, Unreadable.NOT_DOWNLOADED),
])
def test_unreadable(text, reason):
    rep = read_filter("main", {"main": text}, MINE)
    assert rep.unreadable is reason and rep.unreadable_script == "main"


def test_what_a_script_says_before_a_syntax_error_is_not_trusted_as_all():
    rep = unreadable('redirect "a@evil.example"; redirect')
    assert rep.unreadable is Unreadable.SYNTAX


def test_stalwart_commands_the_reader_was_taught():
    text = '''require ["editheader", "mailbox", "ihave", "ereject", "include", "variables"];
    addheader :last "X-Seen" "yes";
    deleteheader :index 1 :is "X-Spam" "yes";
    if mailboxexists "Archive" { keep; }
    if ihave "fileinto" { error "x"; }
    global ["a", "b"];
    ereject "no";'''
    assert targets(text) == []


def test_unknown_domains_make_every_address_unknown():
    rep = read_filter("main", {"main": 'redirect "me@example.com";'}, frozenset())
    assert [t.scope for t in rep.targets] == [UNK]
