from django.urls import path

from . import views
from .cycle.urls import urlpatterns as cycle_urlpatterns

app_name = "courses"

urlpatterns = [
    path("themes/", views.theme_list, name="theme-list"),
    path("themes/new/", views.theme_edit, name="theme-create"),
    path("themes/<int:pk>/", views.theme_detail, name="theme-detail"),
    path("themes/<int:pk>/edit/", views.theme_edit, name="theme-edit"),
    path("", views.course_list, name="course-list"),
    path("new/", views.course_edit, name="course-create"),
    path("board/", views.course_board, name="course-board"),
    path("<int:pk>/", views.course_detail, name="course-detail"),
    path("<int:pk>/edit/", views.course_edit, name="course-edit"),
    path("<int:pk>/stage/", views.course_stage_change, name="course-stage"),
    path("<int:pk>/materials/", views.course_material_add, name="material-add"),
    path("<int:pk>/materials/<int:material_pk>/file/", views.course_material_file, name="material-file"),
    path(
        "<int:pk>/materials/<int:material_pk>/delete/", views.course_material_delete, name="material-delete"
    ),
    path("<int:pk>/links/", views.course_link_add, name="link-add"),
    path("<int:pk>/links/<int:link_pk>/delete/", views.course_link_delete, name="link-delete"),
    path("instructors/", views.instructor_list, name="instructor-list"),
    path("instructors/new/", views.instructor_edit, name="instructor-create"),
    path("instructors/<int:pk>/", views.instructor_detail, name="instructor-detail"),
    path("instructors/<int:pk>/edit/", views.instructor_edit, name="instructor-edit"),
    path("bases/", views.base_list, name="base-list"),
    path("bases/new/", views.base_edit, name="base-create"),
    path("bases/<int:pk>/edit/", views.base_edit, name="base-edit"),
    path("routes/", views.route_list, name="route-list"),
    path("routes/new/", views.route_edit, name="route-create"),
    path("routes/<int:pk>/", views.route_detail, name="route-detail"),
    path("routes/<int:pk>/edit/", views.route_edit, name="route-edit"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_create, name="request-create"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/<slug:action>/", views.request_action, name="request-action"),
]

urlpatterns += cycle_urlpatterns
