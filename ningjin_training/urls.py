from allauth.account import views as allauth_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from . import audit_views, views

admin.site.site_header = _("宁津县月训工程平台 · 后台管理")
admin.site.site_title = _("月训工程平台后台")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Sign-in is django-allauth's (accounts app: phone + SMS code, password, second factor).
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.allauth_urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("text-size/", views.text_size, name="text-size"),
    path("org/", include("trainees.urls")),
    path("courses/", include("courses.urls")),
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/export/", audit_views.audit_export, name="audit-export"),
    path("evaluations/", include("evaluations.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
# No static() for MEDIA_URL, not even in development: uploads are served only by views that
# check the viewer's scope (core.files).
