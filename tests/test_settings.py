from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.env import EnvError, env_bool, env_int, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_bad_boolean_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULANG_X", "maybe")
    with pytest.raises(EnvError, match="PULANG_X='maybe' is not a boolean"):
        env_bool("PULANG_X", default=False)


def test_bad_number_and_minimum_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULANG_X", "ten")
    with pytest.raises(EnvError, match="not a whole number"):
        env_int("PULANG_X", 1)
    monkeypatch.setenv("PULANG_X", "0")
    with pytest.raises(EnvError, match="must be at least 5"):
        env_int("PULANG_X", 10, minimum=5)


def test_secret_may_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n")
    monkeypatch.setenv("PULANG_X_FILE", str(secret))
    assert env_str("PULANG_X") == "from-the-file"


def _production_settings(**extra: str) -> dict[str, object]:
    """Import config.settings in a fresh interpreter with a production environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULANG_")}
    env.update({"PULANG_SECRET_KEY": "x" * 50, "PULANG_ALLOWED_HOSTS": "pulang.example", **extra})
    env.pop("DATABASE_URL", None)
    code = (
        "import json; from config import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hasher': s.PASSWORD_HASHERS[0], 'hsts': s.SECURE_HSTS_SECONDS,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'csp': s.CONTENT_SECURITY_POLICY,"
        "'session_age': s.SESSION_COOKIE_AGE, 'engine': s.DATABASES['default']['ENGINE']}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_production_defaults_are_secure() -> None:
    values = _production_settings()
    assert values == {
        "debug": False,
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "hsts": 31536000,
        "session_secure": True,
        "csrf_secure": True,
        "ssl_redirect": True,
        "csp": settings.CONTENT_SECURITY_POLICY,
        "session_age": 8 * 3600,
        "engine": "django.db.backends.sqlite3",
    }
    assert "default-src 'self'" in str(values["csp"])


def test_production_refuses_to_start_without_a_secret_key() -> None:
    values = _production_settings(PULANG_SECRET_KEY="")
    assert values == {
        "error": "config.env.EnvError: PULANG_SECRET_KEY must be set when PULANG_DEBUG is false"
    }


def test_production_refuses_a_malformed_flag() -> None:
    assert "is not a boolean" in str(_production_settings(PULANG_SECURE="sometimes")["error"])


def test_suite_hashes_with_argon2() -> None:
    assert settings.PASSWORD_HASHERS == ["tests.hashers.FastArgon2PasswordHasher"]
    from tests.hashers import FastArgon2PasswordHasher

    assert FastArgon2PasswordHasher.algorithm == "argon2"


def _import_settings(**extra: str) -> dict[str, object]:
    """PULANG_IMPORT_DIR and PULANG_IMPORT_WORKERS as a fresh interpreter reads them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULANG_")}
    env.update({"PULANG_SECRET_KEY": "x" * 50, **extra})
    env.pop("DATABASE_URL", None)
    code = (
        "import json; from config import settings as s; print(json.dumps("
        "{'dir': s.PULANG_IMPORT_DIR, 'workers': s.PULANG_IMPORT_WORKERS}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_import_settings_default_to_var_imports_and_automatic_workers() -> None:
    assert _import_settings() == {"dir": str(ROOT / "var" / "imports"), "workers": 0}


def test_import_settings_come_from_the_environment(tmp_path: Path) -> None:
    folder = str(tmp_path / "uploads")
    values = _import_settings(PULANG_IMPORT_DIR=folder, PULANG_IMPORT_WORKERS="3")
    assert values == {"dir": folder, "workers": 3}


@pytest.mark.parametrize(
    ("env", "error"),
    [
        (
            {"PULANG_IMPORT_DIR": "var/uploads"},
            "config.env.EnvError: PULANG_IMPORT_DIR='var/uploads' must be an absolute path",
        ),
        (
            {"PULANG_IMPORT_WORKERS": "many"},
            "config.env.EnvError: PULANG_IMPORT_WORKERS='many' is not a whole number",
        ),
        (
            {"PULANG_IMPORT_WORKERS": "-1"},
            "config.env.EnvError: PULANG_IMPORT_WORKERS=-1 must be at least 0",
        ),
    ],
)
def test_malformed_import_settings_stop_the_start(env: dict[str, str], error: str) -> None:
    assert _import_settings(**env) == {"error": error}


def test_case_settings_refuse_what_they_cannot_use() -> None:
    assert _production_settings(PULANG_FOLLOW_UP_MONTHS="1,3,three")["error"] == (
        "config.env.EnvError: PULANG_FOLLOW_UP_MONTHS must list distinct whole months "
        "between 1 and 60"
    )
    assert "distinct whole months" in str(
        _production_settings(PULANG_FOLLOW_UP_MONTHS="3,3")["error"]
    )
    assert _production_settings(PULANG_ENCRYPTION_KEYS="not-a-key")["error"] == (
        "config.env.EnvError: PULANG_ENCRYPTION_KEYS must list Fernet keys "
        "(32 bytes, URL-safe base64)"
    )
    good = "a" * 43 + "="  # 32 bytes in URL-safe base64
    assert "error" not in _production_settings(PULANG_ENCRYPTION_KEYS=good)
