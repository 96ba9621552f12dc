"""Restricted notes are encrypted with the configured keys, and keys can be rotated."""

from __future__ import annotations

from cryptography.fernet import Fernet
from pytest_django import Settings

from pulang.cases import crypto
from pulang.cases.models import CaseNote
from pulang.cases.selectors import case_note_text


def test_a_note_written_under_an_old_key_reads_after_rotation(settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PULANG_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("her passport is with the agent")
    settings.PULANG_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "her passport is with the agent"
    fresh = crypto.encrypt("second note")
    assert Fernet(new.encode()).decrypt(fresh) == b"second note"  # written with the newest


def test_a_note_whose_key_was_removed_says_so(settings: Settings) -> None:
    settings.PULANG_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    note = CaseNote(restricted=True, ciphertext=crypto.encrypt("x"))
    settings.PULANG_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert case_note_text(note) == (
        "This note was encrypted with a key that is no longer configured."
    )


def test_without_keys_one_is_derived_from_the_secret_key(settings: Settings) -> None:
    settings.PULANG_ENCRYPTION_KEYS = []
    token = crypto.encrypt("x")
    settings.SECRET_KEY = "another secret key, another installation" * 2
    assert case_note_text(CaseNote(restricted=True, ciphertext=token)).startswith("This note")
