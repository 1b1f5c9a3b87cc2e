"""Staff accounts (accounts.staff_views), included under ``accounts/staff/`` in the accounts namespace."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.staff_list, name="staff-list"),
    path("new/", staff_views.staff_create, name="staff-create"),
    path("<int:pk>/", staff_views.staff_edit, name="staff-edit"),
    path("<int:pk>/deactivate/", staff_views.staff_deactivate, name="staff-deactivate"),
    path("<int:pk>/reactivate/", staff_views.staff_reactivate, name="staff-reactivate"),
    path("<int:pk>/invite/", staff_views.staff_invite, name="staff-invite"),
    path("set-password/<uidb64>/<token>/", staff_views.staff_set_password, name="staff-set-password"),
    path("townships/<int:pk>/sign-ins/", staff_views.member_sign_ins, name="staff-sign-ins"),
]
