from django.urls import include, path

app_name = "accounts"

urlpatterns: list = [
    path("staff/", include("accounts.staff_urls")),
]
