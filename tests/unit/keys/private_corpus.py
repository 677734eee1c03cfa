"""Private keys in every form people paste or drop, made by the real tools.

gpg, sq, openssl and ssh-keygen run at test time; jwcrypto (a JOSE library)
makes the JSON Web Keys; PuTTY's keys come from ``fixtures/`` (made by puttygen
with ``fixtures/make_fixtures.sh``; puttygen is not part of the test set-up).
Variants a user produces by hand from a tool's output (lower-cased armour lines,
a body without its framing lines, a key inside an e-mail) are derived from the
real files, never typed in.
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

from keys_corpus import Gpg, run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Private forms the main corpus (keys_corpus.build) already makes.
FROM_MAIN = ["secret.asc", "secret.pgp", "sq_secret_as_public.asc", "priv_pkcs8.pem",
             "priv_encrypted.pem", "priv_rsa.pem", "priv_ec.pem", "priv_pkcs8.der",
             "priv_with_cert.pem", "bundle.p12"]
PUTTY = ["putty_ed25519_v3.ppk", "putty_ecdsa_v3_enc.ppk", "putty_rsa_v2_enc.ppk",
         "putty_ed25519_v2.ppk", "sshcom_rsa.key"]
BUILT = ["pgp_subkeys.asc", "pgp_subkeys.pgp", "pgp_lowercase.asc", "pgp_oddcase.asc", "pgp_bare_body.txt",
         "pgp_body_with_crc.txt", "pgp_body_to_end.txt", "pkcs8_body_to_end.txt",
         "pgp_in_mail.txt", "gnupg_keyfile.key", "pgp_protected.asc", "sq_secret.asc", "sq_secret.pgp",
         "openssl_ed25519.pem", "openssl_x448.der", "openssl_dsa_traditional.pem", "openssl_dsa_traditional.der",
         "openssl_rsa_encrypted_traditional.pem", "openssl_pkcs8_encrypted.der", "openssl_rsa_traditional.der",
         "openssl_ec_sec1.der", "p12_base64.txt", "p12_base64_wrapped.txt", "p12_nomac.p12", "pem_lowercase.pem",
         "pkcs8_bare_body.txt", "pem_in_mail.txt", "ssh_ed25519", "ssh_rsa_encrypted", "ssh_rsa_pem",
         "ssh_ecdsa_pkcs8", "ssh_ed25519_bare_body.txt", "jwk_rsa.json", "jwk_ec.json", "jwk_okp.json",
         "jwk_oct.json", "jwk_ec_pretty.json", "jwks_private.json", "jwks_mixed.json", "jwk_from_openssl.json"]
NAMES = FROM_MAIN + BUILT + PUTTY
PKCS12 = {"bundle.p12", "p12_base64.txt", "p12_nomac.p12", "p12_base64_wrapped.txt"}


def _frame_lines(text: str, fn) -> str:
    return "\n".join(fn(ln) if ln.startswith("-----") else ln for ln in text.splitlines()) + "\n"


def _bare_body(text: str) -> str:
    """What is left when only the base64 lines of a block are copied."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("-----") and ":" not in ln]
    lines = [ln for ln in lines if not (ln.startswith("=") and len(ln) == 5)]
    return "\n".join(lines) + "\n"


def _below_begin(text: str) -> str:
    """What is copied when the selection starts just below the BEGIN line."""
    return text.split("\n", 1)[1]


def _between_frames(text: str) -> str:
    """Everything between the framing lines: armour headers, the blank line
    and the OpenPGP CRC line (``=AbCd``) included."""
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("-----")) + "\n"


def build(root: Path, main: dict) -> dict:
    """name -> Path of every private-key form (the main corpus' ones included)."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict = {name: main[name] for name in FROM_MAIN}

    def put(name, data):
        path = root / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        files[name] = path
        return path

    # ---- OpenPGP: gpg
    g = Gpg(root / "gnupg-private")
    try:
        fp = g.gen("Priv <priv@example.org>", "future-default")
        asc = g.export(fp, secret=True).decode()
        put("pgp_subkeys.asc", g("--armor", "--export-secret-subkeys", fp).stdout)
        put("pgp_subkeys.pgp", g("--export-secret-subkeys", fp).stdout)
        put("pgp_lowercase.asc", _frame_lines(asc, str.lower))
        put("pgp_oddcase.asc", _frame_lines(asc, lambda ln: ln.replace("BEGIN PGP PRIVATE KEY BLOCK", "Begin Pgp Private Key Block")
                                            .replace("END PGP PRIVATE KEY BLOCK", "End Pgp Private Key Block")))
        put("pgp_bare_body.txt", _bare_body(asc))
        put("pgp_body_with_crc.txt", _between_frames(asc))
        put("pgp_body_to_end.txt", _below_begin(asc))
        put("pgp_in_mail.txt", "Hi,\n\nhere is my key, please set it up:\n\n" + asc + "\nThanks\n")
        keyfile = sorted((g.home / "private-keys-v1.d").glob("*.key"))[0]
        put("gnupg_keyfile.key", keyfile.read_bytes())
        # a passphrase-protected secret key (S2K-encrypted secret material)
        env = dict(g.env)
        base = ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "test passphrase"]
        run(base + ["--quick-gen-key", "Prot <prot@example.org>", "future-default", "default", "never"], env=env)
        put("pgp_protected.asc", run(base + ["--armor", "--export-secret-keys", "prot@example.org"], env=env).stdout)
    finally:
        g.close()

    # ---- OpenPGP: sequoia
    run(["sq", "key", "generate", "--userid", "<sqpriv@example.org>", "--export", str(root / "sq_secret.asc")])
    files["sq_secret.asc"] = root / "sq_secret.asc"
    put("sq_secret.pgp", run(["sq", "dearmor", str(root / "sq_secret.asc")]).stdout)

    # ---- openssl
    k = main["priv_pkcs8.pem"]
    put("openssl_ed25519.pem", run(["openssl", "genpkey", "-algorithm", "ed25519"]).stdout)
    put("openssl_x448.der", run(["openssl", "genpkey", "-algorithm", "x448", "-outform", "DER"]).stdout)
    run(["openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048",
         "-out", str(root / "dsa_params.pem")])
    dsa = run(["openssl", "genpkey", "-paramfile", str(root / "dsa_params.pem")]).stdout
    (root / "dsa_pkcs8.pem").write_bytes(dsa)
    put("openssl_dsa_traditional.pem", run(["openssl", "pkey", "-in", str(root / "dsa_pkcs8.pem"), "-traditional"]).stdout)
    put("openssl_dsa_traditional.der", run(["openssl", "pkey", "-in", str(root / "dsa_pkcs8.pem"), "-traditional",
                                            "-outform", "DER"]).stdout)
    put("openssl_rsa_encrypted_traditional.pem", run(["openssl", "rsa", "-in", str(k), "-aes256", "-passout", "pass:x",
                                                      "-traditional"]).stdout)
    put("openssl_pkcs8_encrypted.der", run(["openssl", "pkcs8", "-topk8", "-in", str(k), "-v2", "aes-256-cbc",
                                            "-passout", "pass:x", "-outform", "DER"]).stdout)
    put("openssl_rsa_traditional.der", run(["openssl", "rsa", "-in", str(k), "-traditional", "-outform", "DER"]).stdout)
    ec_key = main["priv_ec.pem"]
    put("openssl_ec_sec1.der", run(["openssl", "ec", "-in", str(ec_key), "-outform", "DER"]).stdout)
    p12 = main["bundle.p12"].read_bytes()
    put("p12_base64.txt", base64.b64encode(p12) + b"\n")
    put("p12_base64_wrapped.txt", run(["openssl", "base64", "-in", str(main["bundle.p12"])]).stdout)
    put("p12_nomac.p12", run(["openssl", "pkcs12", "-export", "-in", str(main["cert_rsa2048.pem"]), "-inkey", str(k),
                              "-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-passout", "pass:"]).stdout)
    put("pem_lowercase.pem", _frame_lines(k.read_text(), str.lower))
    put("pkcs8_bare_body.txt", _bare_body(k.read_text()))
    put("pkcs8_body_to_end.txt", _below_begin(k.read_text()))
    put("pem_in_mail.txt", "Subject: the key you asked for\n\n" + main["priv_rsa.pem"].read_text() + "\n-- \nBob\n")

    # ---- OpenSSH: ssh-keygen
    def keygen(name, *args, passphrase=""):
        path = root / name
        run(["ssh-keygen", "-q", "-N", passphrase, "-C", name, "-f", str(path), *args])
        files[name] = path
        return path
    ed = keygen("ssh_ed25519", "-t", "ed25519")
    keygen("ssh_rsa_encrypted", "-t", "rsa", "-b", "2048", passphrase="test passphrase")
    keygen("ssh_rsa_pem", "-t", "rsa", "-b", "2048", "-m", "PEM")
    keygen("ssh_ecdsa_pkcs8", "-t", "ecdsa", "-m", "PKCS8")
    put("ssh_ed25519_bare_body.txt", _bare_body(ed.read_text()))

    # ---- PuTTY (committed, made by puttygen)
    for name in PUTTY:
        files[name] = FIXTURES / name

    # ---- JSON Web Keys: jwcrypto
    from jwcrypto import jwk
    rsa = jwk.JWK.generate(kty="RSA", size=2048)
    ec = jwk.JWK.generate(kty="EC", crv="P-256")
    okp = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    put("jwk_rsa.json", rsa.export_private())
    put("jwk_ec.json", ec.export_private())
    put("jwk_okp.json", okp.export_private())
    put("jwk_oct.json", jwk.JWK.generate(kty="oct", size=256).export())
    put("jwk_ec_pretty.json", json.dumps(ec.export_private(as_dict=True), indent=2))
    jwks = jwk.JWKSet()
    jwks.add(okp)
    jwks.add(rsa)
    put("jwks_private.json", jwks.export(private_keys=True))
    put("jwks_mixed.json", json.dumps({"keys": [rsa.export_public(as_dict=True), okp.export_private(as_dict=True)]}))
    put("jwk_from_openssl.json", jwk.JWK.from_pem(k.read_bytes()).export_private())
    return files


def public_controls(root: Path, main: dict) -> dict:
    """Public forms of the same tools, which must never be called private."""
    from jwcrypto import jwk
    out = {n: p for n, p in main.items() if n not in FROM_MAIN}
    root.mkdir(parents=True, exist_ok=True)
    run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", str(root / "pubctl")])
    out["ssh_ed25519.pub"] = root / "pubctl.pub"
    out["putty_ed25519_public.txt"] = FIXTURES / "putty_ed25519_public.txt"
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    (root / "jwk_public.json").write_text(key.export_public())
    out["jwk_public.json"] = root / "jwk_public.json"
    (root / "jwks_public.json").write_text(json.dumps({"keys": [key.export_public(as_dict=True)]}))
    out["jwks_public.json"] = root / "jwks_public.json"
    return out
