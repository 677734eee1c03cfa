"""A contract-faithful fake Stalwart server for tests (see README.md here).

    from tests.fakestalwart import FakeStalwart
    srv = FakeStalwart(generation="0.16", cors=True).start()
    ...
    srv.stop()
"""
from .model import DEMO_PASSWORDS, TOTP_SECRET, TOTP_URL, Account, Credential, PublicKey  # noqa: F401
from .otp import current_code, parse_otp_url, OtpUrlError  # noqa: F401
from .server import FakeStalwart, Faults, RecordedRequest  # noqa: F401

__all__ = ["FakeStalwart", "Faults", "RecordedRequest", "Account", "Credential", "PublicKey",
           "DEMO_PASSWORDS", "TOTP_SECRET", "TOTP_URL", "current_code", "parse_otp_url", "OtpUrlError"]
