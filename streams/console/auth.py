"""Console accounts: scrypt password hashes, two roles, and CSRF tokens.

An account is ``ROLE:HASH`` (``TASKLINE_CONSOLE_USERS='{"olga": "operator:scrypt$..."}'``);
``operator`` may change state (approve, reject, redrive ...), ``viewer`` may only read.

>>> hashed = hash_password("correct horse")
>>> check_password("correct horse", hashed), check_password("wrong", hashed)
(True, False)
>>> accounts = Accounts({"olga": "operator:" + hashed})
>>> accounts.sign_in("olga", "correct horse")
'operator'
>>> accounts.sign_in("olga", "wrong") is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Literal

from streams.errors import ConfigurationError
from streams.settings import Settings

Role = Literal["operator", "viewer"]
ROLES: tuple[Role, ...] = ("operator", "viewer")
# scrypt's interactive-login cost (RFC 7914 §2 suggests N=2^14, r=8, p=1): ~50 ms, 16 MiB
_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` of ``password`` (a fresh random salt unless given)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` value (constant time)."""
    try:
        scheme, n, r, p, salt, digest = hashed.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


class Accounts:
    """The console's accounts: name → (role, password hash)."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._entries: dict[str, tuple[Role, str]] = {}
        for name, entry in entries.items():
            role, _, hashed = entry.partition(":")
            if role not in ROLES or not hashed.startswith("scrypt$"):
                raise ConfigurationError(
                    f"console account {name!r}: expected ROLE:HASH with ROLE operator or viewer "
                    "and HASH from `taskline console hash-password`"
                )
            self._entries[name] = (role, hashed)  # type: ignore[assignment,unused-ignore]
        # a hash to check unknown names against, so that timing does not tell which names exist
        self._decoy = hash_password(secrets.token_hex(8))

    @classmethod
    def from_settings(cls, settings: Settings) -> Accounts:
        """The accounts of ``TASKLINE_CONSOLE_USERS``."""
        return cls({k: v.get_secret_value() for k, v in settings.console_users.items()})

    def names(self) -> list[str]:
        """Account names, sorted."""
        return sorted(self._entries)

    def sign_in(self, name: str, password: str) -> Role | None:
        """The account's role if the password is right, else None."""
        role, hashed = self._entries.get(name, ("viewer", self._decoy))
        ok = check_password(password, hashed)
        return role if ok and name in self._entries else None


def new_token() -> str:
    """A random token (session CSRF token, generated passwords)."""
    return secrets.token_urlsafe(24)


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))
