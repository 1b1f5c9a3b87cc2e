"""How django-axes reads the username of a login attempt."""

from django.contrib.auth import get_user_model


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The attempted username, cut to what a username can be.

    Django's login forms do not enforce the username's max_length, so any length
    reaches authenticate(); axes stores it in a 255-character column, and
    PostgreSQL refuses a longer one with a server error. (Found by tests/test_fuzz.py.)
    """
    field = get_user_model().USERNAME_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field)
    if username is None:
        return None
    return str(username)[: get_user_model()._meta.get_field(field).max_length]
