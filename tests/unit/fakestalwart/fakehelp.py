"""Helpers for the fake-server contract tests: drive it with urllib only."""
import base64
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakestalwart import FakeStalwart  # noqa: E402

ALICE = ("alice@example.com", "correct horse battery staple")
TOTP = ("totp@example.com", "totp account password 42")
LDAP = ("ldap@example.com", "ldap directory password 7")
LIMITED = ("limited@example.com", "limited rights password 9")
# Legacy servers sign in by principal name (seen on 0.15.5).
L_ALICE = ("alice", ALICE[1])
L_TOTP = ("totp", TOTP[1])
L_LDAP = ("ldap", LDAP[1])
L_LIMITED = ("limited", LIMITED[1])
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # email.message.Message: .get_all()
        self.body = body

    def json(self):
        return json.loads(self.body)


def basic(login, secret):
    return "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(url, method="GET", body=None, headers=None, auth=None, timeout=10):
    headers = dict(headers or {})
    if auth:
        headers["Authorization"] = auth
    data = None
    if body is not None:
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(req, timeout=timeout) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


class Client:
    def __init__(self, srv, auth):
        self.srv = srv
        self.auth = auth

    def jmap(self, *calls, using=USING):
        r = call(self.srv.url + "/jmap/", "POST", {"using": using, "methodCalls": list(calls)}, auth=self.auth)
        assert r.status == 200, (r.status, r.body)
        return r.json()["methodResponses"]

    def one(self, name, args, cid="c1"):
        return self.jmap([name, args, cid])[0]


