from django.urls import path

from . import views

app_name = "trainees"

urlpatterns = [
    path("townships/", views.township_list, name="township-list"),
    path("townships/<int:pk>/", views.township_detail, name="township-detail"),
    path("members/", views.member_list, name="member-list"),
    path("members/new/", views.member_create, name="member-create"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member-reveal"),
]
