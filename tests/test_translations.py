"""Every user-facing string in Python and templates is translated into Bahasa Indonesia.

The strings are extracted afresh from a copy of the source (so the working tree is never
touched) and merged into the committed catalogue; anything new, untranslated or fuzzy
fails the test with the string and where it comes from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPLETE_LANGUAGES = ["id"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext is missing in CI: .ci/run must install it")
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("source")
    for name in ("config", "pulang", "templates", "locale"):
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"PULANG_DEBUG": "true", "PYTHONPATH": str(copy)})
    env.pop("DATABASE_URL", None)
    for language in COMPLETE_LANGUAGES:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--locale", language, "--no-obsolete"],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
    return copy


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_string_is_translated(extracted: Path, language: str) -> None:
    catalogue = polib.pofile(str(extracted / "locale" / language / "LC_MESSAGES" / "django.po"))
    missing = [
        f"{entry.msgid!r} ({', '.join(f'{f}:{n}' for f, n in entry.occurrences[:2])})"
        for entry in catalogue
        if not entry.obsolete and (not entry.translated() or "fuzzy" in entry.flags)
    ]
    assert missing == [], f"untranslated in {language}: run makemessages and translate"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    wrong = []
    for entry in catalogue.translated_entries():
        expected = sorted(placeholder.findall(entry.msgid))
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        for text in translations:
            # Plural translations may leave out the count the singular does not show.
            if sorted(placeholder.findall(text)) != expected and not entry.msgid_plural:
                wrong.append(entry.msgid)
    assert wrong == []
