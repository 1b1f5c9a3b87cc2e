from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"


def api_view(view_class, **kwargs):
    """DRF answers for itself (401/403 as JSON), so the portal's login redirect stays out of the way."""
    return login_not_required(view_class.as_view(**kwargs))


urlpatterns = [
    path("v1/townships/", api_view(views.TownshipList), name="township-list"),
    path("v1/townships/<int:pk>/", api_view(views.TownshipDetail), name="township-detail"),
    path("v1/sessions/", api_view(views.SessionList), name="session-list"),
    path("v1/sessions/<int:pk>/", api_view(views.SessionDetail), name="session-detail"),
    path("schema/", api_view(SpectacularAPIView), name="schema"),
    path("docs/", api_view(SpectacularSwaggerSplitView, url_name="api:schema"), name="docs"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
