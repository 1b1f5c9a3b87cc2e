"""How the OpenAPI schema describes the portal's token (``Authorization: Bearer nj_…``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A per-user token from /api/tokens/ or `manage.py api_token USERNAME`.",
        }
