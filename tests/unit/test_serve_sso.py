"""serve.py and single sign-on: config.json's "sso" object reaches the page
and its providers join connect-src; --demo starts a demo OpenID provider for
an SSO account, and says plainly when it cannot."""
from __future__ import annotations

import json

import serve
from test_serve_config import Running, directive, run_cli


def test_the_sso_setting_reaches_the_page_and_its_providers_the_csp(tmp_path):
    cfg = tmp_path / "config.json"
    sso = {"https://mail.example.com": {"client_id": "mail-page",
                                        "issuers": ["https://id.example.com/realms/mail"]}}
    cfg.write_text(json.dumps({"servers": ["https://mail.example.com"], "sso": sso}))
    s = Running("--port", "0", "--config", str(cfg))
    try:
        st, h, body = s.get("/config.json")
        assert st == 200 and json.loads(body) == {"servers": ["https://mail.example.com"], "sso": sso}
        assert directive(h["Content-Security-Policy"], "connect-src") == \
            "connect-src 'self' https://mail.example.com https://id.example.com"
    finally:
        s.stop()


def test_a_bad_sso_setting_stops_the_start_in_one_line(tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text('{"servers": ["https://mail.example.com"], "sso": {"https://other.example.com": {}}}')
    r = run_cli("--port", "0", "--config", str(cfg))
    assert r.returncode == 2 and 'not in "servers"' in r.stderr and r.stderr.count("\n") == 1


def test_without_node_the_demo_leaves_only_the_sso_account_out(monkeypatch, capsys):
    from tests import oidc
    from tests.fakestalwart import FakeStalwart
    monkeypatch.setattr(oidc, "available", lambda: "node is not installed (Debian: apt-get install nodejs npm)")
    demo = FakeStalwart(generation="0.16")
    assert serve.demo_provider(demo, "http://127.0.0.1:8000") == (None, {})
    assert "single sign-on demo account is left out: node is not installed" in capsys.readouterr().out
    assert demo.oidc is None and "alice@example.com" in demo.accounts


def test_the_demo_lists_its_sso_accounts():
    s = Running("--port", "0", "--demo")
    try:
        text = "\n".join(s.lines)
        assert "sam@sso.example.com" in text and "single sign-on: at the demo provider http://127.0.0.1:" in text
        assert "expired@example.com" in text and "expired" in text
    finally:
        s.stop()
