"""x:AppPassword / x:ApiKey (§2.8), method-level errors and the envelope (§2.4, §2.5)."""
from fakehelp import ALICE, LIMITED, USING, Client, basic, call


def test_create_get_query_update_destroy(alice):
    r = alice.one("x:AppPassword/set", {"create": {"k1": {
        "description": "Phone", "expiresAt": "2027-01-01T00:00:00Z", "allowedIps": {"10.0.0.2": True}}}})
    assert r[1]["accountId"] == "b"
    created = r[1]["created"]["k1"]
    assert created["id"] == "b" and set(created) == {"id", "secret"}
    g = alice.one("x:AppPassword/get", {"ids": None})[1]
    item = g["list"][0]
    assert item["secret"] == "****" and item["description"] == "Phone"
    assert item["expiresAt"] == "2027-01-01T00:00:00Z" and item["permissions"] == {"@type": "Inherit"}
    assert item["allowedIps"] == {"10.0.0.2": True} and item["id"] == "b"
    assert len(item["createdAt"]) == 20 and item["createdAt"].endswith("Z")
    assert "credentialId" not in item
    alice.one("x:AppPassword/set", {"create": {"k2": {"description": "Laptop"}}})
    q = alice.one("x:AppPassword/query", {})[1]
    assert q["ids"] == ["c", "b"]  # newest first
    q = alice.one("x:AppPassword/query", {"sort": [{"property": "id", "isAscending": True}]})[1]
    assert q["ids"] == ["b", "c"]
    u = alice.one("x:AppPassword/set", {"update": {"b": {"description": "Old phone", "expiresAt": None}},
                                        "destroy": ["c"]})[1]
    assert u == {"accountId": "b", "updated": {"b": None}, "destroyed": ["c"]}
    item = alice.one("x:AppPassword/get", {"ids": ["b", "c"]})[1]
    assert item["list"][0]["description"] == "Old phone" and item["list"][0]["expiresAt"] is None
    assert item["notFound"] == ["c"]


def test_quota(srv, alice):
    for i in range(5):
        assert "created" in alice.one("x:AppPassword/set", {"create": {"k": {"description": f"d{i}"}}})[1]
    r = alice.one("x:AppPassword/set", {"create": {"k": {"description": "x"}}})[1]
    assert r["notCreated"]["k"] == {"type": "overQuota", "description": "You have exceeded your quota of 5 app passwords."}
    for i in range(5):
        alice.one("x:ApiKey/set", {"create": {"k": {"description": f"d{i}"}}})
    r = alice.one("x:ApiKey/set", {"create": {"k": {"description": "x"}}})[1]
    assert r["notCreated"]["k"]["description"] == "You have exceeded your quota of 5 API keys."


def test_create_validation_errors(alice):
    def err(obj):
        r = alice.one("x:AppPassword/set", {"create": {"k": obj}})[1]
        return r["notCreated"]["k"]
    for prop in ("secret", "createdAt", "credentialId"):
        assert err({"description": "x", prop: "y"}) == {
            "type": "invalidPatch", "description": "Cannot modify server set property", "properties": [prop]}
    assert err({"description": ""}) == {"type": "invalidPatch", "description": "Invalid value for property.",
                                       "properties": ["description"]}
    assert err({}) == {"type": "validationFailed",
                       "validationErrors": [{"type": "Required", "property": "description"}]}
    assert err({"description": "x", "expiresAt": "tomorrow"})["type"] == "invalidPatch"
    assert err({"description": "x", "allowedIps": {"not-an-ip": True}})["type"] == "invalidPatch"
    assert err({"description": "x", "permissions": {"@type": "Bogus"}}) == {
        "type": "invalidPatch", "description": "Missing or invalid '@type' property in object",
        "properties": ["permissions"]}
    assert err({"description": "x", "nope": 1})["description"] == "Invalid property"


def test_permissions_narrowing_and_grant_check(srv, alice):
    r = alice.one("x:AppPassword/set", {"create": {"k": {"description": "x", "permissions": {
        "@type": "Replace", "permissions": {"sysAccountGet": True, "sysDomainGet": True, "impersonate": True,
                                            "jmapEmailGet": True}}}}})[1]
    assert r["notCreated"]["k"] == {"type": "forbidden", "description":
                                    "You are not authorized to grant permissions: impersonate, sysAccountGet, sysDomainGet"}
    r = alice.one("x:ApiKey/set", {"create": {"k": {"description": "ro", "permissions": {
        "@type": "Disable", "permissions": {"sysAppPasswordCreate": True}}}}})[1]
    narrowed = Client(srv, "Bearer " + r["created"]["k"]["secret"])
    assert narrowed.one("x:AppPassword/get", {})[0] == "x:AppPassword/get"
    assert narrowed.one("x:AppPassword/set", {"create": {"k": {"description": "x"}}})[1] == {
        "type": "forbidden", "description": "You are not authorized to create objects of this type"}
    perms = call(srv.url + "/api/account", auth="Bearer " + r["created"]["k"]["secret"]).json()["permissions"]
    assert "sysAppPasswordCreate" not in perms and "sysAppPasswordGet" in perms


def test_cross_type_destroy_quirk_and_own_password(alice):
    key_id = alice.one("x:ApiKey/set", {"create": {"k": {"description": "ci"}}})[1]["created"]["k"]["id"]
    r = alice.one("x:AppPassword/set", {"destroy": [key_id, "a", "zz"]})[1]
    assert r["destroyed"] == [key_id]
    assert r["notDestroyed"]["a"] == {"type": "forbidden",
                                      "description": "Users are not allowed to destroy their own credentials."}
    assert r["notDestroyed"]["zz"] == {"type": "notFound"}
    assert alice.one("x:ApiKey/get", {})[1]["list"] == []


def test_limited_account_method_errors(srv):
    lim = Client(srv, basic(*LIMITED))
    forbidden = {"type": "forbidden", "description": "You are not authorized to perform this action"}
    for name in ("x:AppPassword/get", "x:ApiKey/query", "x:PublicKey/get", "x:Account/get"):
        assert lim.one(name, {}) == ["error", forbidden, "c1"], name
    assert lim.one("x:ApiKey/set", {"create": {"k": {"description": "x"}}})[1]["description"] == \
        "You are not authorized to create, update or destroy objects of this type"
    assert lim.one("x:AccountSettings/get", {})[0] == "x:AccountSettings/get"
    assert lim.one("x:AccountSettings/set", {"update": {"singleton": {"locale": "de"}}})[1]["type"] == "forbidden"


def test_envelope_rules(srv, alice):
    ok = {"using": USING, "methodCalls": [["Core/echo", {}, "e"]]}
    r = call(srv.url + "/jmap/", "POST", ok, headers={"Content-Type": "text/plain"}, auth=basic(*ALICE))
    assert r.status == 400 and r.json()["type"] == "urn:ietf:params:jmap:error:notJSON"
    assert r.headers["Content-Type"] == "application/problem+json"
    r = call(srv.url + "/jmap/", "POST", b"{nope", headers={"Content-Type": "application/json"}, auth=basic(*ALICE))
    assert r.status == 400 and r.json()["type"] == "urn:ietf:params:jmap:error:notJSON"
    r = call(srv.url + "/jmap/", "POST", {"using": ["urn:example:unknown"], "methodCalls": []}, auth=basic(*ALICE))
    assert r.status == 400 and r.json()["type"] == "urn:ietf:params:jmap:error:notRequest"
    r = call(srv.url + "/jmap/", "POST", ok, headers={"Content-Type": "application/json; charset=utf-8"},
             auth=basic(*ALICE))
    assert r.status == 200
    assert call(srv.url + "/api", "POST", ok, auth=basic(*ALICE)).status == 404
    # x: methods are exempt from the using check
    out = alice.jmap(["x:AccountSettings/get", {}, "a"], using=["urn:ietf:params:jmap:core"])
    assert out[0][0] == "x:AccountSettings/get"
    # other account id -> forbidden; invalid id -> own account
    assert alice.one("x:AppPassword/get", {"accountId": "c"})[1] == {
        "type": "forbidden", "description": "You are not an owner of account c"}
    assert alice.one("x:AppPassword/get", {"accountId": "!!"})[0] == "x:AppPassword/get"
    assert alice.one("x:Nope/get", {})[1]["type"] == "unknownMethod"
    assert alice.one("x:AccountSettings/query", {})[1]["type"] == "unknownMethod"


def test_result_references(alice):
    alice.one("x:AppPassword/set", {"create": {"k": {"description": "Phone"}}})
    out = alice.jmap(["x:AppPassword/query", {}, "q"],
                     ["x:AppPassword/get", {"#ids": {"resultOf": "q", "name": "x:AppPassword/query", "path": "/ids"}},
                      "g"])
    assert out[1][1]["list"][0]["description"] == "Phone"
