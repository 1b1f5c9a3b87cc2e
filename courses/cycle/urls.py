"""URLs of the monthly cycle, included by courses/urls.py (namespace "courses")."""

from django.urls import path

from . import views

urlpatterns = [
    path("sessions/", views.session_list, name="session-list"),
    path("sessions.xlsx", views.session_list_xlsx, name="session-list-xlsx"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/status/", views.session_transition, name="session-transition"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/duplicate/", views.session_duplicate, name="session-duplicate"),
    path("sessions/<int:pk>/series/", views.session_series, name="session-series"),
    path("sessions/<int:pk>/invite/", views.session_invite, name="session-invite"),
    path("sessions/<int:pk>/enrollments/", views.session_enrollments, name="session-enrollments"),
    path("sessions/<int:pk>/projector/", views.session_projector, name="session-projector"),
    path("sessions/<int:pk>/check-in/", views.session_checkin, name="session-checkin"),
    path("sessions/<int:pk>/sign-up/", views.session_signup, name="session-signup"),
    path("sessions/<int:pk>/withdraw/", views.session_withdraw, name="session-withdraw"),
    path("sessions/<int:pk>/attendance/", views.attendance_sheet, name="attendance-sheet"),
    path("sessions/<int:pk>/attendance.xlsx", views.attendance_xlsx, name="attendance-xlsx"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("ledger/", views.ledger_township, name="ledger-township"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger-xlsx"),
    path("ledger/members/<int:pk>/", views.ledger_member, name="ledger-member"),
    path("ledger/members/<int:pk>/hours.xlsx", views.ledger_member_xlsx, name="ledger-member-xlsx"),
    path("ledger/members/<int:pk>/hours/", views.hours_member, name="hours-member"),
    path("ledger/hours/", views.hours_branch, name="hours-branch"),
    path("my/schedule/", views.my_schedule, name="my-schedule"),
    path("my/hours/", views.my_hours, name="my-hours"),
    path("feeds/member/<str:token>.ics", views.feed_member, name="feed-member"),
    path("feeds/township/<str:token>.ics", views.feed_township, name="feed-township"),
    path("feeds/member/reset/", views.feed_member_reset, name="feed-member-reset"),
    path("feeds/township/reset/", views.feed_township_reset, name="feed-township-reset"),
    path("heatmap/", views.heatmap, name="heatmap"),
]
