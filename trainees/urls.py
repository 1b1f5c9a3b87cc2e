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
    path("members/export.xlsx", views.member_export_xlsx, name="member-export"),
    path("members/import/", views.member_import, name="member-import"),
    path("members/import/history/", views.member_import_history, name="member-import-history"),
    path("members/import/<int:pk>/", views.member_import_detail, name="member-import-detail"),
    path("members/import/<int:pk>/confirm/", views.member_import_confirm, name="member-import-confirm"),
    path("members/import/<int:pk>/file/", views.member_import_file, name="member-import-file"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member-reveal"),
]
