import pytest

from notifications.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def sms_and_cache(settings):
    """Codes go to memory; rate limits need a real cache (the suite's default is a dummy)."""
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()
    MemorySmsBackend.outbox.clear()
    yield
    cache.clear()
    MemorySmsBackend.outbox.clear()
