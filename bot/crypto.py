"""Secrets at rest: Fernet encryption with key rotation (MultiFernet)."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBox:
    """Encrypts short secrets (start links, OAuth tokens) for storage.

    ``keys`` is ENCRYPTION_KEY split on commas: the first key encrypts, every key decrypts,
    so a new key can be put first and old rows re-encrypted with ``rotate``.
    """

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        keys = [part.strip().encode() for part in value.split(",") if part.strip()]
        try:
            return cls(keys)
        except ValueError as exc:  # Fernet says "Fernet key must be 32 url-safe base64..."
            raise ValueError(
                "ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
                "(make one with `remote-support keygen`)"
            ) from exc

    @classmethod
    def derived_from(cls, secret: str) -> SecretBox:
        """A key derived from another secret (used when ENCRYPTION_KEY is unset)."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"remote-support/v1")
        return cls([base64.urlsafe_b64encode(hkdf.derive(secret.encode()))])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str | None:
        """The plaintext, or None when no configured key opens it."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            return None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the primary key."""
        return self._fernet.rotate(ciphertext.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def new_callback_token() -> str:
    """A per-session URL secret: 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """How callback tokens are stored: SHA-256 hex (the token itself has 256 bits of entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()
