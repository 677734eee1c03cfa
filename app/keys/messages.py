"""Message ids and English templates for every verdict the key checks give.

The UI translates ``Issue.key`` through the shared catalogue; ``MESSAGES`` is the
source a teammate copies from. Templates use ``str.format`` fields that match
``Issue.params``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MESSAGES: dict[str, str] = {
    # --- input shape ---------------------------------------------------------
    "keys.empty": "Nothing was pasted or uploaded. Paste your public key or certificate, or choose its file.",
    "keys.too_large": "The input is {size} bytes; a public key or certificate is much smaller (limit {limit} bytes). Export only your own public key and try again.",
    "keys.not_a_key": "This does not look like an OpenPGP public key or an S/MIME certificate. Export your public key (for example `gpg --armor --export you@example.org`) or your certificate (PEM) and paste that.",
    "keys.unreadable_file": "The file could not be read ({reason}). Check the path and permissions and try again.",
    "keys.internal": "The key could not be checked because of an unexpected problem ({reason}). Please report this; do not upload the key until it has been checked.",
    "keys.mixed": "The input contains both an OpenPGP key and an S/MIME certificate; the server refuses mixing them. Upload them separately.",
    "keys.several_pgp_blocks": "The input contains {count} OpenPGP blocks; the server accepts exactly one certificate per key. Upload each key separately.",
    "keys.keyring": "The input contains {count} OpenPGP certificates (a keyring); the server accepts exactly one. Export only your own key, e.g. `gpg --armor --export you@example.org`.",
    "keys.private_key": "This is a PRIVATE key ({what}). Never upload or share it: the field has been cleared. Export the PUBLIC key instead (`gpg --armor --export you@example.org`, or the certificate .pem/.crt file).",
    "keys.csr": "This is a certificate signing request, not a certificate. Send it to your certificate authority and upload the certificate you get back.",
    "keys.pkcs12": "This is a PKCS#12 file (.p12/.pfx): it contains your PRIVATE key. Never upload it: the field has been cleared. Extract the certificate with `openssl pkcs12 -in FILE.p12 -clcerts -nokeys -out cert.pem` and upload cert.pem.",
    "keys.unsupported_block": "A '{label}' block is not a certificate or an OpenPGP key, so the server cannot use it. Upload your certificate (PEM) or OpenPGP public key.",
    "keys.ignored_block": "A '{label}' block was ignored because the server only reads certificates and OpenPGP keys.",
    "keys.bare_public_key": "This is a bare public key ('{label}') without a certificate; the server needs an X.509 certificate or an OpenPGP key. Upload the certificate (.pem/.crt) instead.",
    "keys.bad_armor": "The OpenPGP armor is damaged ({reason}). Export the key again and paste it unchanged.",
    "keys.bad_crc": "The OpenPGP armor checksum does not match: the text was changed or truncated. Export the key again and paste it unchanged.",
    "keys.bad_pem": "The '{label}' block is damaged ({reason}). Export the certificate again and paste it unchanged.",
    # --- normalisation notes -------------------------------------------------
    "keys.normalized_armored": "Your binary OpenPGP key was converted to the ASCII-armored form the server expects.",
    "keys.normalized_stripped": "Text around the key was removed; the server accepts only the key block itself.",
    "keys.normalized_der": "Your binary (DER) certificate was converted to the PEM form the server expects.",
    "keys.normalized_pkcs7": "The certificates were taken out of the PKCS#7 bundle and converted to the PEM form the server expects.",
    "keys.normalized_ignored": "Blocks the server does not use were removed.",
    "keys.crc_absent": "The armor has no checksum line; that is allowed.",
    # --- OpenPGP structure ---------------------------------------------------
    "keys.pgp_too_complex": "The key carries more than {limit} self-signatures, too many to check here. Export a minimal copy (`gpg --export-options export-minimal --armor --export you@example.org`) and try again.",
    "keys.pgp_corrupt": "The OpenPGP data is corrupted ({reason}). Export the key again and paste it unchanged.",
    "keys.pgp_no_primary": "The OpenPGP data does not start with a public key. Export your public key (`gpg --armor --export you@example.org`).",
    "keys.pgp_version": "This OpenPGP key uses version {version}, which the server does not accept. Create a new key with a current tool.",
    "keys.pgp_no_selfsig": "The key has no valid self-signature, so it cannot be used. Export it again from the program that created it.",
    "keys.pgp_bad_signature": "A {what} signature on key {keyid} does not verify: the key was altered or damaged. Export it again unchanged.",
    "keys.pgp_weak_hash": "A {what} signature on key {keyid} uses {hash}, which the server no longer accepts. Refresh the key's self-signatures with a current tool (e.g. `gpg --quick-set-expire` on each key) and export it again.",
    "keys.pgp_unsupported_algo": "Key {keyid} uses {algo}, which the server does not support. Add an RSA (≥2048 bit), Curve25519 or NIST P-256/P-384 encryption subkey, or create a new key.",
    "keys.pgp_rsa_small": "Key {keyid} is RSA with only {bits} bits; the server requires at least 2048. Create a new key with RSA-3072 or Curve25519.",
    "keys.pgp_expired": "The key {keyid} expired on {date}. Extend its expiry (`gpg --quick-set-expire`) and export it again.",
    "keys.pgp_revoked": "The key {keyid} has been revoked. Use a different key.",
    "keys.pgp_cert_expired": "The whole certificate expired on {date}. Extend its expiry (`gpg --quick-set-expire FINGERPRINT 2y`) and export it again.",
    "keys.pgp_cert_revoked": "The certificate has been revoked by its owner. The server may still take it, but nobody should encrypt to a revoked key. Use or create a different key.",
    "keys.pgp_no_encryption_key": "The key has no subkey that can encrypt mail (transport encryption). Add one (`gpg --quick-add-key FINGERPRINT cv25519 encr`) and export again.",
    "keys.pgp_no_usable_key": "The server would refuse this key: none of its keys can encrypt mail now. See the other messages for the reason of each key.",
    "keys.pgp_no_flags": "Key {keyid} has no key-usage flags, so it is not used for encryption.",
    "keys.pgp_storage_only": "Key {keyid} is marked for storage encryption only; the server uses only keys marked for transport (mail) encryption.",
    # --- OpenPGP warnings ----------------------------------------------------
    "keys.expires_soon": "The key expires on {date} ({days} days). Extend it in time, or new mail will bounce once it expires.",
    "keys.email_mismatch": "None of the addresses in the key ({found}) matches your account ({account}). The server will still use it, but check you picked the right key.",
    "keys.no_email": "The key contains no email address. The server will still use it, but check you picked the right key.",
    # --- S/MIME --------------------------------------------------------------
    "keys.smime_bad_cert": "Certificate {index} could not be decoded ({reason}). Export it again as PEM.",
    "keys.smime_not_rsa": "Certificate {index} ({subject}) has a {algo} key. The server can only encrypt to RSA certificates: it would accept this one, but every delivery would then fail. Use an RSA certificate (2048 bits or more).",
    "keys.smime_rsa_small": "Certificate {index} ({subject}) has an RSA key of only {bits} bits. Use a certificate with at least 2048 bits.",
    "keys.smime_expired": "Certificate {index} ({subject}) expired on {date}. The server will still encrypt to it, but get a renewed certificate.",
    "keys.smime_not_yet_valid": "Certificate {index} ({subject}) is not valid before {date}. Check the date or the certificate.",
    "keys.smime_no_key_encipherment": "Certificate {index} ({subject}) is not meant for encryption (its key usage lacks keyEncipherment). Mail clients may refuse to decrypt; use an encryption certificate.",
}


@dataclass
class Issue:
    """One finding: a stable message id, its parameters and the English text."""

    key: str
    params: dict = field(default_factory=dict)
    message: str = ""

    def __str__(self) -> str:  # what the CLI prints
        return self.message


def issue(key: str, **params) -> Issue:
    template = MESSAGES[key]
    try:
        text = template.format(**params)
    except (KeyError, IndexError, ValueError):
        text = template
    return Issue(key=key, params=params, message=text)
