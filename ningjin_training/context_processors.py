from core.roles import Duty, Role, duties_of, role_of

TEXT_SIZE_COOKIE = "text_size"


def portal(request):
    """Role and display preferences every page's header needs."""
    return {
        "portal_role": role_of(getattr(request, "user", None)),
        "Role": Role,
        "portal_duties": duties_of(getattr(request, "user", None)),
        "Duty": Duty,
        "large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large",
    }
