"""Test settings: tasks run eagerly, fast hashing, plain static storage."""

from .settings import *  # noqa: F403
from .settings import STORAGES

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Every request computes its numbers, so query budgets and dashboards are tested for real.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# The suite signs staff in through the login form in many places (lockout, sessions, browser
# tests) and is about those features; the second-factor rule is switched on by the tests of
# it (tests/accounts, override_settings(MFA_REQUIRED_ROLES=...)).
MFA_REQUIRED_ROLES: list[str] = []
