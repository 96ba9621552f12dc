"""Encryption at rest for restricted case notes.

Keys come from ``PULANG_ENCRYPTION_KEYS`` (Fernet keys, newest first: notes are written
with the first and read with any, so a key can be rotated without losing old notes);
without it, one key is derived from ``SECRET_KEY``. A database dump or backup alone
never reveals a restricted note.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        digest = hashlib.sha256(b"pulang case notes\x00" + secret.encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.PULANG_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(text: str) -> bytes:
    return _current().encrypt(text.encode())


class UnreadableNote(Exception):
    """The note was written under a key no longer configured."""


def decrypt(token: bytes) -> str:
    try:
        return _current().decrypt(token).decode()
    except InvalidToken as error:
        raise UnreadableNote from error
