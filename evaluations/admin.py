from django.contrib import admin

from .models import (
    AnnualReport,
    AnnualReportEvent,
    ImprovementEvidence,
    ImprovementItem,
    ImprovementItemEvent,
    NeedsSurvey,
    PointsWeight,
    PracticeTask,
    PracticeTaskEvent,
    QuarterlyReview,
    SessionFeedback,
    SurveyOption,
    SurveyQuestion,
    TeachingPlan,
    TeachingPlanItem,
)

# Workflow states change only through ``transition()`` (which records who/when),
# so the admin shows them read-only.


class ReadOnlyEventInline(admin.TabularInline):
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuarterlyReview)
class QuarterlyReviewAdmin(admin.ModelAdmin):
    list_display = ["district", "year", "quarter", "held_on", "venue"]
    list_filter = ["district", "year"]
    filter_horizontal = ["townships"]


class ItemEventInline(ReadOnlyEventInline):
    model = ImprovementItemEvent


class EvidenceInline(admin.StackedInline):
    model = ImprovementEvidence
    extra = 0


@admin.register(ImprovementItem)
class ImprovementItemAdmin(admin.ModelAdmin):
    list_display = ["problem", "township", "due_date", "status"]
    list_filter = ["status", "review__district"]
    readonly_fields = ["status", "rectified_at", "verified_at", "return_reason"]
    inlines = [EvidenceInline, ItemEventInline]


class ReportEventInline(ReadOnlyEventInline):
    model = AnnualReportEvent


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["township", "year", "status", "submitted_at"]
    list_filter = ["year", "status"]
    readonly_fields = ["status", "metrics", "submitted_at", "approved_at", "return_reason"]
    inlines = [ReportEventInline]


class TaskEventInline(ReadOnlyEventInline):
    model = PracticeTaskEvent


@admin.register(PracticeTask)
class PracticeTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "member", "kind", "due_date", "status"]
    list_filter = ["kind", "status"]
    readonly_fields = ["status", "reported_at", "verified_at", "return_reason"]
    raw_id_fields = ["member"]
    inlines = [TaskEventInline]


@admin.register(SessionFeedback)
class SessionFeedbackAdmin(admin.ModelAdmin):
    list_display = ["session", "content", "instructor", "usefulness", "created_at"]
    raw_id_fields = ["session", "member"]


@admin.register(PointsWeight)
class PointsWeightAdmin(admin.ModelAdmin):
    list_display = ["measure", "points"]
    list_editable = ["points"]


class SurveyOptionInline(admin.TabularInline):
    model = SurveyOption
    extra = 0


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "survey", "kind", "order"]
    inlines = [SurveyOptionInline]


@admin.register(NeedsSurvey)
class NeedsSurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "opened_at", "closed_at"]
    readonly_fields = ["status", "opened_at", "closed_at"]


class PlanItemInline(admin.TabularInline):
    model = TeachingPlanItem
    extra = 0


@admin.register(TeachingPlan)
class TeachingPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "survey", "domain", "group", "status"]
    readonly_fields = ["status", "approved_at"]
    inlines = [PlanItemInline]
