"""x:PublicKey (§4 validation with real sq/openssl/gpg keys) and x:AccountSettings (§2.9)."""
import subprocess

import pytest

from fakehelp import LIMITED, Client, basic
from tests.fakestalwart import keys as K

def _run(*args, cwd, env=None, input=None):
    return subprocess.run(args, cwd=cwd, env=env, input=input, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    d = tmp_path_factory.mktemp("fake-keys")
    m = {}
    _run("sq", "key", "generate", "--userid", "<alice@example.com>", "--export", "k.pgp", cwd=d)
    _run("sq", "key", "extract-cert", "--output", "c.asc", "k.pgp", cwd=d)
    m["pgp"] = (d / "c.asc").read_text()
    m["pgp_secret"] = (d / "k.pgp").read_text()
    _run("sq", "key", "generate", "--userid", "<b@example.com>", "--export", "k2.pgp", cwd=d)
    _run("sq", "key", "extract-cert", "--output", "c2.asc", "k2.pgp", cwd=d)
    m["pgp2"] = (d / "c2.asc").read_text()
    _run("sq", "key", "generate", "--userid", "<s@example.com>", "--can-sign", "--cannot-encrypt",
         "--export", "ks.pgp", cwd=d)
    _run("sq", "key", "extract-cert", "--output", "cs.asc", "ks.pgp", cwd=d)
    m["pgp_signonly"] = (d / "cs.asc").read_text()
    for name, alg in (("rsa", ["-newkey", "rsa:2048"]), ("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        _run("openssl", "req", "-x509", *alg, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
             "-days", "30", "-subj", "/CN=alice@example.com", cwd=d)
        m[name] = (d / f"{name}.pem").read_text()
    return m


def create(c, key, desc="k"):
    r = c.one("x:PublicKey/set", {"create": {"pk": {"description": desc, "key": key,
                                                    "emailAddresses": {"alice@example.com": True}}}})[1]
    return r.get("created", {}).get("pk"), r.get("notCreated", {}).get("pk")


def test_accepts_real_keys(alice, material):
    for name in ("pgp", "rsa", "ec", "pgp_secret"):
        ok, err = create(alice, "\n  " + material[name] + "\n\n", name)
        assert err is None, (name, err)
    lst = alice.one("x:PublicKey/get", {"ids": None})[1]["list"]
    assert lst[0]["key"] == material["pgp"].strip() + "\n"
    assert lst[0]["emailAddresses"] == {"alice@example.com": True} and lst[0]["expiresAt"] is None
    assert "accountId" not in lst[0]
    two_certs = material["rsa"] + material["ec"]
    assert create(alice, two_certs)[1] is None  # several CERTIFICATE blocks form one key


def test_rejections(alice, material):
    no_key = {"type": "invalidProperties", "properties": ["key"], "description": "No valid public key found."}
    assert create(alice, "hello " + material["rsa"])[1] == no_key
    assert create(alice, material["rsa"] + "\ntrailing prose")[1] == no_key
    body = "".join(material["rsa"].splitlines()[1:-1])
    assert create(alice, body)[1] == no_key
    assert create(alice, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----")[1] == no_key
    assert create(alice, "   ")[1] == {"type": "invalidPatch", "description": "Invalid value for property.",
                                        "properties": ["key"]}
    assert create(alice, material["rsa"] + material["pgp"])[1]["description"] == \
        "Cannot mix OpenPGP and S/MIME certificates"
    assert create(alice, material["pgp"] + material["pgp2"])[1]["description"] == \
        "Failed to decode OpenPGP public key: Malformed Cert: Additional packets found, is this a keyring?"
    assert create(alice, material["pgp_signonly"])[1]["description"] == \
        "Could not find any suitable keys in OpenPGP public key"
    assert create(alice, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----")[1]["description"] == \
        "Failed to decode base64 certificate."
    bad_der = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----"
    assert create(alice, bad_der)[1]["description"].startswith("Failed to decode X509 certificate: ")
    garbage_pgp = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----"
    assert create(alice, garbage_pgp)[1]["description"].startswith("Failed to decode OpenPGP public key: ")


def test_keyring_from_two_certs_in_one_block(material, tmp_path):
    (tmp_path / "a").write_text(material["pgp"])
    (tmp_path / "b").write_text(material["pgp2"])
    ring = subprocess.run(["sq", "keyring", "merge", "a", "b"], cwd=tmp_path, capture_output=True).stdout.decode()
    assert "BEGIN PGP" in ring  # Debian's sq merges two certificates into one block
    with pytest.raises(K.KeyError_, match="is this a keyring"):
        K.parse_public_key(ring)


def test_quota_and_linked_destroy(alice, material):
    ids = [create(alice, material["rsa"], f"k{i}")[0]["id"] for i in range(5)]
    assert create(alice, material["rsa"])[1] == {"type": "overQuota",
                                                 "description": "You have exceeded your quota of 5 public keys."}
    r = alice.one("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": {
        "@type": "Aes256", "publicKey": ids[0], "encryptOnAppend": True, "allowSpamTraining": False}}}})
    assert r[1] == {"accountId": "b", "updated": {"singleton": None}}
    d = alice.one("x:PublicKey/set", {"destroy": [ids[0], ids[1]]})[1]
    assert d["destroyed"] == [ids[1]]
    assert d["notDestroyed"][ids[0]]["type"] == "objectIsLinked"
    s = alice.one("x:AccountSettings/get", {"ids": ["singleton"]})[1]["list"][0]
    assert s == {"description": None, "locale": "en_US", "timeZone": None, "id": "singleton",
                 "encryptionAtRest": {"@type": "Aes256", "publicKey": ids[0], "encryptOnAppend": True,
                                      "allowSpamTraining": False}}
    alice.one("x:AccountSettings/set", {"update": {"singleton": {"encryptionAtRest": {"@type": "Disabled"}}}})
    assert alice.one("x:PublicKey/set", {"destroy": [ids[0]]})[1]["destroyed"] == [ids[0]]


def test_settings_errors(alice, material):
    pgp_id = create(alice, material["pgp"])[0]["id"]
    smime_id = create(alice, material["rsa"])[0]["id"]

    def upd(patch):
        r = alice.one("x:AccountSettings/set", {"update": {"singleton": patch}})[1]
        return r.get("notUpdated", {}).get("singleton")
    assert upd({"encryptionAtRest/encryptOnAppend": True})["type"] == "invalidProperties"
    assert upd({"bogus": 1})["type"] == "invalidProperties"
    assert upd({"encryptionAtRest": {"publicKey": pgp_id}}) == {
        "type": "invalidPatch", "description": "Missing or invalid '@type' property in object",
        "properties": ["encryptionAtRest"]}
    assert upd({"encryptionAtRest": {"@type": "Aes512", "publicKey": pgp_id}})["type"] == "invalidPatch"
    assert upd({"encryptionAtRest": {"@type": "Aes128"}})["validationErrors"] == [
        {"type": "Required", "property": "publicKey"}]
    assert upd({"encryptionAtRest": {"@type": "Aes128", "publicKey": "zzz"}})["type"] == "invalidForeignKey"
    assert upd({"encryptionAtRest": {"@type": "Aes256Gcm", "publicKey": pgp_id}}) == {
        "type": "invalidProperties", "properties": ["encryptionAtRest"], "description":
        "AES-256-GCM is only supported for S/MIME encryption, but the selected public key is an OpenPGP key."}
    assert upd({"encryptionAtRest": {"@type": "ChaCha20Poly1305", "publicKey": pgp_id}})["description"].startswith(
        "ChaCha20-Poly1305 is only supported for S/MIME")
    assert upd({"encryptionAtRest": {"@type": "ChaCha20Poly1305", "publicKey": smime_id}}) is None
    assert upd({"description": ""})["type"] == "invalidPatch"
    assert upd({"locale": "de", "timeZone": "Europe/Berlin"}) is None
    r = alice.one("x:AccountSettings/set", {"create": {"x": {}}, "destroy": ["singleton"]})[1]
    assert r["notCreated"]["x"]["type"] == "singleton" and r["notDestroyed"]["singleton"]["type"] == "singleton"


def test_limited_cannot_touch_keys(srv, material):
    lim = Client(srv, basic(*LIMITED))
    assert lim.one("x:PublicKey/set", {"create": {"p": {"description": "x", "key": material["rsa"]}}})[1][
        "description"] == "You are not authorized to create, update or destroy objects of this type"


def test_pgpy_fallback_agrees(material, monkeypatch):
    monkeypatch.setattr(K.shutil, "which", lambda name: None)
    K.parse_public_key(material["pgp"])
    with pytest.raises(K.KeyError_, match="suitable"):
        K.parse_public_key(material["pgp_signonly"])
