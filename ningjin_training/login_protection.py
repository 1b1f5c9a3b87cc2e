"""How django-axes reads the username of a login attempt."""

from django.contrib.auth import get_user_model
from django.utils.crypto import salted_hmac

from core.personal_data import scrub

MASKED_PREFIX = "masked:"


def mask_personal_username(username: str) -> str:
    """An attempted username that holds an ID number or a mobile number, as a keyed hash.

    People type their ID or phone number into the username box; the lockout table must
    never hold one in clear. The HMAC (keyed by SECRET_KEY) is the same for the same
    input, so failures still count per attempted username, and cannot be reversed.
    """
    if scrub(username) == username:
        return username
    return MASKED_PREFIX + salted_hmac("axes-username", username, algorithm="sha256").hexdigest()[:40]


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The attempted username, cut to what a username can be, with personal numbers hashed.

    Django's login forms do not enforce the username's max_length, so any length
    reaches authenticate(); axes stores it in a 255-character column, and
    PostgreSQL refuses a longer one with a server error. (Found by tests/ningjin_training/test_fuzz.py.)
    """
    field = get_user_model().USERNAME_FIELD
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(field)
    if username is None and not credentials:
        username = source.get("login")  # the sign-in form (allauth) names its field "login"
    if username is None:
        return None
    return mask_personal_username(str(username)[: get_user_model()._meta.get_field(field).max_length])
