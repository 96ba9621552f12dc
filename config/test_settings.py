"""Settings for the test suite: production settings (DEBUG off, argon2, CSP, lock-out)
except TLS, which the test server and the browser tests do not speak."""

import os

os.environ.setdefault("PULANG_DEBUG", "false")
os.environ.setdefault("PULANG_SECRET_KEY", "test-only-secret-key-not-for-production-use")
os.environ.setdefault("PULANG_SECURE", "false")
os.environ.setdefault("PULANG_STATIC_MANIFEST", "false")
os.environ.setdefault("PULANG_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: F403

# Argon2 at full strength makes every sign-in in the suite cost ~50 ms; the hasher in use
# is still argon2 (asserted in tests/test_settings.py) but with the cheapest parameters.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
