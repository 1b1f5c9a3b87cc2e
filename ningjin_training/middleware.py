from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class PortalLocaleMiddleware:
    """Chinese for everyone unless the user picked another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on
    many office machines says en-US; the portal's users expect Chinese, so only
    the language cookie set by the header switch changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
