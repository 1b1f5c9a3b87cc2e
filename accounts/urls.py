from django.urls import path

from . import views

app_name = "accounts"

urlpatterns: list = [
    path("members/<int:pk>/release-phone/", views.release_phone_binding, name="release-phone"),
    path("users/<int:pk>/reset-second-factor/", views.reset_second_factor, name="reset-second-factor"),
]
