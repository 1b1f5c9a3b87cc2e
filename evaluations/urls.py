from django.urls import path

from . import practice_views, survey_views, views

app_name = "evaluations"

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/new/", views.review_create, name="review-create"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/items/new/", views.item_create, name="item-create"),
    path("items/", views.item_list, name="item-list"),
    path("items.xlsx", views.item_list_xlsx, name="item-list-xlsx"),
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

urlpatterns += [
    path("surveys/", survey_views.survey_list, name="survey-list"),
    path("surveys/new/", survey_views.survey_create, name="survey-create"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey-detail"),
    path("surveys/<int:pk>/questions/", survey_views.survey_question_add, name="survey-question-add"),
    path("surveys/<int:pk>/transition/", survey_views.survey_transition, name="survey-transition"),
    path("surveys/<int:pk>/answer/", survey_views.survey_answer, name="survey-answer"),
    path("surveys/<int:pk>/results/", survey_views.survey_results, name="survey-results"),
    path("surveys/<int:pk>/results.xlsx", survey_views.survey_results_xlsx, name="survey-results-xlsx"),
    path("surveys/<int:pk>/plans/", survey_views.survey_plans_draft, name="survey-plans-draft"),
    path("plans/", survey_views.plan_list, name="plan-list"),
    path("plans/<int:pk>/", survey_views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/items/", survey_views.plan_item_add, name="plan-item-add"),
    path("plans/<int:pk>/transition/", survey_views.plan_transition, name="plan-transition"),
    path("plan-items/<int:pk>/delete/", survey_views.plan_item_delete, name="plan-item-delete"),
    path("plan-items/<int:pk>/session/", survey_views.plan_item_session, name="plan-item-session"),
    path("feedback/", practice_views.feedback_mine, name="feedback-mine"),
    path("feedback/summary/", practice_views.feedback_summary, name="feedback-summary"),
    path("feedback/sessions/<int:session_pk>/", practice_views.feedback_create, name="feedback-create"),
    path("feedback/instructors/mine/", practice_views.my_ratings, name="my-ratings"),
    path("feedback/instructors/<int:pk>/", practice_views.instructor_ratings, name="instructor-ratings"),
    path("tasks/", practice_views.task_list, name="task-list"),
    path("tasks/new/", practice_views.task_create, name="task-create"),
    path("tasks/<int:pk>/", practice_views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/report/", practice_views.task_report, name="task-report"),
    path("tasks/<int:pk>/transition/", practice_views.task_transition, name="task-transition"),
    path("performance/", practice_views.performance_ranking, name="performance"),
    path("performance.xlsx", practice_views.performance_xlsx, name="performance-xlsx"),
]
