"""The contract server's JMAP for Sieve, VacationResponse, Blob/get, Identity/get,
download and upload (docs/stalwart-contract.md §7), on both generations."""
import pytest
from fakehelp import ALICE, L_ALICE, L_LDAP, L_TOTP, LDAP, TOTP, Client, basic, call

from tests.fakestalwart.model import DEMO_FILTER

CORE = "urn:ietf:params:jmap:core"
SIEVE = "urn:ietf:params:jmap:sieve"
VAC = "urn:ietf:params:jmap:vacationresponse"
BLOB = "urn:ietf:params:jmap:blob"
SUB = "urn:ietf:params:jmap:submission"
ALL = [CORE, SIEVE, VAC, BLOB, SUB]


@pytest.fixture(params=["0.16", "legacy"])
def server(request, srv016, srvlegacy):
    return srv016 if request.param == "0.16" else srvlegacy


def client(server, who="alice"):
    creds = {"alice": (ALICE, L_ALICE), "totp": (TOTP, L_TOTP), "ldap": (LDAP, L_LDAP)}[who]
    login, password = creds[1] if server.legacy else creds[0]
    if who == "totp":  # 2FA: an app password (the knob) signs in without a code
        password = server.add_credential(login, description="tests")[1]
    return Client(server, basic(login, password))


def session(server, auth):
    return call(server.url + "/jmap/session", auth=auth).json()


def test_session_capabilities_follow_permissions(server):
    c = client(server)
    s = session(server, c.auth)
    assert s["capabilities"][SIEVE] == {"implementation": "Stalwart v1.0.0"}
    assert s["capabilities"][VAC] == {} and s["capabilities"][BLOB] == {}
    caps = s["accounts"]["b"]["accountCapabilities"]
    assert caps[SIEVE]["maxNumberRedirects"] == 1 and "include" in caps[SIEVE]["sieveExtensions"]
    assert caps[SIEVE]["maxSizeScript"] == (1048576 if server.legacy else 102400)
    assert caps[SIEVE]["notificationMethods"] == ["mailto"]
    assert "SieveScript" in caps[BLOB]["supportedTypeNames"]
    acct = next(iter(server.accounts.values()))
    acct.permissions -= {"jmap-sieve-script-get" if server.legacy else "jmapSieveScriptGet",
                         "jmap-blob-get" if server.legacy else "jmapBlobGet"}
    caps = session(server, c.auth)["accounts"]["b"]["accountCapabilities"]
    assert SIEVE not in caps and BLOB not in caps and VAC in caps


def test_demo_accounts_have_a_filter_a_forward_and_an_auto_reply(server):
    got = client(server).jmap(["SieveScript/get", {"ids": None}, "s"], using=ALL)[0][1]["list"]
    assert [(s["name"], s["isActive"]) for s in got] == [("Newsletters", True)]
    fwd = client(server, "totp").jmap(["SieveScript/get", {"ids": None}, "s"],
                                      ["Blob/get", {"#ids": {"resultOf": "s", "name": "SieveScript/get",
                                                             "path": "/list/*/blobId"},
                                                    "properties": ["data:asText"]}, "b"], using=ALL)
    assert "redirect :copy" in fwd[1][1]["list"][0]["data:asText"]
    vac = client(server, "ldap").jmap(["VacationResponse/get", {}, "v"],
                                      ["SieveScript/get", {}, "s"], using=ALL)
    assert vac[0][1]["list"][0]["isEnabled"] is True and vac[0][1]["list"][0]["subject"] == "On leave"
    # the auto-reply is the active script named "vacation" (§7.4)
    assert [(s["name"], s["isActive"]) for s in vac[1][1]["list"]] == [("vacation", True)]
    assert vac[0][1]["state"] == vac[1][1]["state"]


def test_download_and_blob_get_give_the_script_text(server):
    c = client(server)
    s = c.jmap(["SieveScript/get", {"ids": None}, "s"], using=[CORE])[0]  # legacy does not check using
    if not server.legacy:
        assert s[0] == "error" and s[1]["type"] == "unknownMethod" and "requires capability" in s[1]["description"]
        s = c.jmap(["SieveScript/get", {"ids": None}, "s"], using=ALL)[0]
    bid = s[1]["list"][0]["blobId"]
    r = call(f"{server.url}/jmap/download/b/{bid}/filter.sieve?accept=application/sieve", auth=c.auth)
    assert r.status == 200 and r.body == DEMO_FILTER
    assert r.headers["Content-Type"] == "application/sieve"
    assert r.headers["Content-Disposition"] == 'attachment; filename="filter.sieve"'
    assert call(f"{server.url}/jmap/download/b/{bid}/f", auth=client(server, "totp").auth).status == 404
    assert call(f"{server.url}/jmap/download/b/Snope/f", auth=c.auth).status == 404
    assert call(f"{server.url}/jmap/download/b/{bid}/f").status == 401


def test_deactivate_and_activate(server):
    c = client(server)
    got = c.jmap(["SieveScript/get", {}, "s"], using=ALL)[0][1]
    st = got["state"]
    r = c.jmap(["SieveScript/set", {"onSuccessDeactivateScript": True, "ifInState": st}, "d"],
               ["SieveScript/get", {}, "s"], using=ALL)
    assert r[0][1]["oldState"] == st and r[0][1]["newState"] != st
    assert r[1][1]["list"][0]["isActive"] is False
    # the old state no longer matches
    again = c.jmap(["SieveScript/set", {"onSuccessDeactivateScript": True, "ifInState": st}, "d"], using=ALL)
    assert again[0][0] == "error" and again[0][1]["type"] == "stateMismatch"
    r = c.jmap(["SieveScript/set", {"onSuccessActivateScript": "b"}, "a"], ["SieveScript/get", {}, "s"],
               using=ALL)
    assert r[1][1]["list"][0]["isActive"] is True
    # an unknown id is ignored
    r = c.jmap(["SieveScript/set", {"onSuccessActivateScript": "zz"}, "a"], ["SieveScript/get", {}, "s"],
               using=ALL)
    assert r[1][1]["list"][0]["isActive"] is True


def test_is_active_in_a_patch_is_016_only(server):
    r = client(server).jmap(["SieveScript/set", {"update": {"b": {"isActive": False}}}, "u"],
                            ["SieveScript/get", {}, "s"], using=ALL)
    if server.legacy:
        assert r[0][1]["notUpdated"]["b"] == {"type": "invalidProperties", "description": "Invalid property or value.",
                                              "properties": ["isActive"]}
        assert r[1][1]["list"][0]["isActive"] is True
    else:
        assert r[0][1]["updated"] == {"b": None} and r[1][1]["list"][0]["isActive"] is False


def test_set_errors(server):
    c = client(server)
    r = c.jmap(["SieveScript/set", {"destroy": ["b", "zz"]}, "d"], using=ALL)[0][1]
    assert r["notDestroyed"]["b"] == {"type": "scriptIsActive", "description": "Deactivate Sieve script before deletion."}
    assert r["notDestroyed"]["zz"]["type"] == "notFound"
    up = call(server.url + "/jmap/upload/b/", "POST", b'require ["copy"]; redirect :copy "x@y.example";',
              auth=c.auth).json()
    r = c.jmap(["SieveScript/set", {"create": {"n": {"name": "Newsletters", "blobId": up["blobId"]},
                                               "v": {"name": "Vacation", "blobId": up["blobId"]},
                                               "m": {"name": "nothing"}}}, "c"], using=ALL)[0][1]
    assert r["notCreated"]["n"]["type"] == "alreadyExists" and r["notCreated"]["n"]["existingId"] == "b"
    assert r["notCreated"]["v"]["type"] == "forbidden"
    assert r["notCreated"]["m"] == {"type": "invalidProperties", "description": "Missing blobId.",
                                    "properties": ["blobId"]}
    bad = call(server.url + "/jmap/upload/b/", "POST", b"redirect", auth=c.auth).json()
    r = c.jmap(["SieveScript/set", {"create": {"x": {"name": "x", "blobId": bad["blobId"]},
                                               "y": {"name": "y", "blobId": "Unope"}}}, "c"], using=ALL)[0][1]
    assert r["notCreated"]["x"]["type"] == "invalidScript"
    assert r["notCreated"]["y"]["type"] == "blobNotFound"
    # a made script, activated by its creation id
    r = c.jmap(["SieveScript/set", {"create": {"f": {"name": "Forward", "blobId": up["blobId"]}},
                                    "onSuccessActivateScript": "#f"}, "c"],
               ["SieveScript/get", {}, "s"], using=ALL)
    assert r[0][1]["created"]["f"]["isActive"] is True
    assert {s["name"]: s["isActive"] for s in r[1][1]["list"]} == {"Newsletters": False, "Forward": True}


def test_vacation_script_cannot_be_changed_as_a_script(server):
    c = client(server, "ldap")
    r = c.jmap(["SieveScript/set", {"update": {"b": {"name": "x"}}}, "u"], using=ALL)[0][1]
    assert r["notUpdated"]["b"]["description"].startswith("The 'vacation' script cannot be modified")


def test_vacation_turn_off_and_on(server):
    c = client(server, "ldap")
    r = c.jmap(["VacationResponse/set", {"update": {"singleton": {"isEnabled": False}}}, "v"],
               ["VacationResponse/get", {}, "g"], using=ALL)
    assert r[0][1]["updated"] == {"singleton": None}
    assert r[1][1]["list"][0]["isEnabled"] is False and r[1][1]["list"][0]["subject"] == "On leave"
    r = c.jmap(["VacationResponse/set", {"update": {"singleton": {"subject": "Back soon"}}}, "v"],
               ["VacationResponse/get", {}, "g"], using=ALL)
    assert r[1][1]["list"][0]["isEnabled"] is False  # off stays off on both
    r = c.jmap(["VacationResponse/set", {"update": {"singleton": {"isEnabled": True}}}, "v"],
               ["VacationResponse/get", {}, "g"], using=ALL)
    assert r[1][1]["list"][0]["isEnabled"] is True
    r = c.jmap(["VacationResponse/set", {"update": {"singleton": {"subject": "Later"}}}, "v"],
               ["VacationResponse/get", {}, "g"], using=ALL)
    # 0.15.5: a patch without isEnabled turns it off; 0.16.18 keeps it (§7.4)
    assert r[1][1]["list"][0]["isEnabled"] is (not server.legacy)


def test_vacation_enable_deactivates_the_filter(server):
    c = client(server)
    got = c.jmap(["VacationResponse/get", {}, "g"], using=ALL)[0][1]
    if server.legacy:
        assert got["list"] == [] and got["notFound"] == ["singleton"]
    else:
        assert got["list"][0] == {"id": "singleton", "isEnabled": False, "fromDate": None, "toDate": None,
                                  "subject": None, "textBody": None, "htmlBody": None}
    r = c.jmap(["VacationResponse/set", {"update": {"singleton": {"isEnabled": True, "textBody": "Away"}}}, "v"],
               ["SieveScript/get", {}, "s"], using=ALL)
    assert {s["name"]: s["isActive"] for s in r[1][1]["list"]} == {"Newsletters": False, "vacation": True}
    r = c.jmap(["VacationResponse/set", {"create": {"x": {}}, "update": {"singleton": {}}}, "v"], using=ALL)
    assert r[0][1]["type"] == "invalidArguments"
    r = c.jmap(["VacationResponse/set", {"update": {"other": {}, "singleton": {"nope": 1}}}, "v"],
               using=ALL)[0][1]
    assert r["notUpdated"]["other"]["type"] == "notFound"
    assert r["notUpdated"]["singleton"]["description"] == "Field could not be set."


def test_permissions(server):
    c = client(server)
    acct = server.accounts["alice@example.com"]
    if server.legacy:
        acct.permissions -= {"jmap-sieve-script-set", "jmap-vacation-response-get"}
    else:
        acct.permissions -= {"jmapSieveScriptCreate", "jmapSieveScriptUpdate", "jmapSieveScriptDestroy",
                             "jmapVacationResponseGet"}
    r = c.jmap(["SieveScript/set", {"onSuccessDeactivateScript": True}, "d"], ["VacationResponse/get", {}, "v"],
               ["SieveScript/get", {}, "s"], using=ALL)
    assert r[0][0] == "error" and r[0][1]["type"] == "forbidden"
    assert r[1][0] == "error" and r[1][1] == {"type": "forbidden",
                                              "description": "You are not authorized to perform this action"}
    assert r[2][1]["list"][0]["isActive"] is True


def test_knobs(server):
    login = "alice" if server.legacy else "alice@example.com"
    sid = server.add_sieve_script(login, "Fwd", 'redirect "a@b.example";', active=True)
    server.set_vacation_response(login, enabled=False, subject="Hi")
    cid, secret = server.add_credential(login, description="Old phone")
    c = client(server)
    r = c.jmap(["SieveScript/get", {}, "s"], ["VacationResponse/get", {}, "v"], using=ALL)
    assert {s["id"]: s["isActive"] for s in r[0][1]["list"]}[sid] is True
    assert r[1][1]["list"][0]["isEnabled"] is False and r[1][1]["list"][0]["subject"] == "Hi"
    assert call(server.url + "/jmap/session", auth=basic(login, secret)).status == 200
    if not server.legacy:
        kid, key = server.add_credential(login, "api_key", "CI", expires_in_days=10,
                                         permissions={"@type": "Replace", "permissions": {"jmapEmailGet": True}})
        got = c.one("x:ApiKey/get", {"ids": [kid]})[1]["list"][0]
        assert got["description"] == "CI" and got["expiresAt"] and got["permissions"]["@type"] == "Replace"
        assert call(server.url + "/jmap/session", auth="Bearer " + key).status == 200
    else:
        with pytest.raises(ValueError):
            server.add_credential(login, "api_key")
