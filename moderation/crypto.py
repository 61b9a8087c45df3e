"""Encryption at rest for the secrets the service must read back: each forum's webhook signing secret.
(API keys and passwords are only ever compared, so they are hashed instead.)

Fernet from `cryptography` (AES-128-CBC and HMAC-SHA256 over a version byte, a timestamp and an IV)
under the keys of MODERATION_SECRET_KEYS. `MultiFernet` encrypts with the first key and decrypts with
any of them, so a key is rotated by putting a new one first, running `moderation rotate-secret-keys`
(every stored secret is re-encrypted under it), then removing the old one.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from moderation.config import Settings, secret_keys

__all__ = ["InvalidToken", "MultiFernet", "cipher", "decrypt", "encrypt", "generate_key", "reencrypt"]


def cipher(settings: Settings) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in secret_keys(settings)])


def encrypt(box: MultiFernet, plaintext: str) -> str:
    return box.encrypt(plaintext.encode()).decode()


def decrypt(box: MultiFernet, token: str) -> str:
    """The plaintext; raises InvalidToken when no configured key opens `token` (or it was altered)."""
    return box.decrypt(token.encode()).decode()


def reencrypt(box: MultiFernet, token: str) -> str:
    """The same plaintext encrypted under the first key (a no-op in meaning, a new token in bytes)."""
    return box.rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()
