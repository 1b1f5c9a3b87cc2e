from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/new/", views.review_create, name="review-create"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/items/new/", views.item_create, name="item-create"),
    path("items/", views.item_list, name="item-list"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/evidence/", views.item_submit_evidence, name="item-evidence"),
    path("items/<int:pk>/transition/", views.item_transition, name="item-transition"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence-file"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/start/", views.report_start, name="report-start"),
    path("reports/summary.xlsx", views.report_summary_xlsx, name="report-summary-xlsx"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/transition/", views.report_transition, name="report-transition"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
    path("townships/<int:pk>/loop/", views.township_loop, name="township-loop"),
]
