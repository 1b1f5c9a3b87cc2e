from django.urls import include, path

from . import password_reset, views

app_name = "accounts"

urlpatterns: list = [
    path("staff/", include("accounts.staff_urls")),
    path("password/reset/", password_reset.request_reset, name="password-reset"),
    path("password/reset/confirm/", password_reset.confirm_reset, name="password-reset-confirm"),
    path("members/<int:pk>/release-phone/", views.release_phone_binding, name="release-phone"),
    path("users/<int:pk>/reset-second-factor/", views.reset_second_factor, name="reset-second-factor"),
]
