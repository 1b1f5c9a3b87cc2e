from django.contrib import admin

from .models import (
    Attendance,
    AttendanceChange,
    Course,
    CourseLink,
    CourseMaterial,
    CourseRequest,
    CourseRequestEvent,
    CourseStageRecord,
    Enrollment,
    Instructor,
    LessonPreparation,
    MonthlyPlan,
    MonthlyPlanEvent,
    RouteStop,
    Session,
    SessionEvent,
    StudyHoursEntry,
    StudyHoursTarget,
    Tag,
    TeachingBase,
    TeachingRoute,
    Theme,
)

# Workflow states change only through ``transition()`` (which records who/when),
# so the admin shows them read-only.


class ReadOnlyEventInline(admin.TabularInline):
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["year", "month", "title"]
    list_filter = ["year"]
    search_fields = ["title"]
    filter_horizontal = ["recommended_courses"]


class CourseStageRecordInline(admin.TabularInline):
    model = CourseStageRecord
    extra = 0
    can_delete = False
    fields = ["from_stage", "stage", "date", "participants", "notes", "recorded_by", "recorded_at"]
    readonly_fields = ["from_stage", "stage", "recorded_by", "recorded_at"]

    def has_add_permission(self, request, obj=None):
        return False


class CourseMaterialInline(admin.TabularInline):
    model = CourseMaterial
    extra = 0
    readonly_fields = ["size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        # Uploads go through the portal, which checks size and content.
        return False


class CourseLinkInline(admin.TabularInline):
    model = CourseLink
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "format", "level", "hours", "stage", "township"]
    list_filter = ["stage", "category", "format", "level", "township"]
    search_fields = ["title", "summary"]
    readonly_fields = ["stage", "created_by", "created_at"]
    autocomplete_fields = ["tags", "owner_department"]
    inlines = [CourseStageRecordInline, CourseMaterialInline, CourseLinkInline]
    list_select_related = ["township"]


@admin.register(Instructor)
class InstructorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "township", "is_star", "is_active"]
    list_filter = ["kind", "is_star", "is_active", "township"]
    search_fields = ["name"]
    autocomplete_fields = ["user", "department"]
    filter_horizontal = ["courses"]
    list_select_related = ["department", "township"]


@admin.register(TeachingBase)
class TeachingBaseAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "township", "address"]
    list_filter = ["kind", "township"]
    search_fields = ["name", "address"]
    list_select_related = ["township"]


class RouteStopInline(admin.TabularInline):
    model = RouteStop
    extra = 1
    autocomplete_fields = ["base"]


@admin.register(TeachingRoute)
class TeachingRouteAdmin(admin.ModelAdmin):
    list_display = ["name", "theme", "is_premium"]
    list_filter = ["is_premium"]
    search_fields = ["name", "theme"]
    inlines = [RouteStopInline]


class CourseRequestEventInline(ReadOnlyEventInline):
    model = CourseRequestEvent


@admin.register(CourseRequest)
class CourseRequestAdmin(admin.ModelAdmin):
    list_display = ["course", "township", "branch", "preferred_month", "status", "department", "instructor"]
    list_filter = ["status", "township"]
    readonly_fields = ["status", "decline_reason", "requested_by", "created_at"]
    autocomplete_fields = ["course", "branch", "department", "instructor"]
    list_select_related = ["course", "township", "branch", "department", "instructor"]
    inlines = [CourseRequestEventInline]


class MonthlyPlanEventInline(ReadOnlyEventInline):
    model = MonthlyPlanEvent


@admin.register(MonthlyPlan)
class MonthlyPlanAdmin(admin.ModelAdmin):
    list_display = ["township", "month", "theme", "status"]
    list_filter = ["status", "township"]
    readonly_fields = ["status"]
    inlines = [MonthlyPlanEventInline]


@admin.register(LessonPreparation)
class LessonPreparationAdmin(admin.ModelAdmin):
    list_display = ["plan", "date", "recorded_by"]
    filter_horizontal = ["instructors"]


class SessionEventInline(ReadOnlyEventInline):
    model = SessionEvent


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "township", "kind", "starts_at", "status"]
    list_filter = ["status", "kind", "township"]
    search_fields = ["title"]
    readonly_fields = ["status", "cancel_reason", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["course", "base", "route"]
    filter_horizontal = ["audience_branches", "audience_groups", "instructors"]
    list_select_related = ["township"]
    date_hierarchy = "starts_at"
    inlines = [SessionEventInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["session", "member", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    raw_id_fields = ["session", "member"]
    list_select_related = ["session", "member"]


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "member", "status", "method", "checked_in_at"]
    list_filter = ["status", "method"]
    raw_id_fields = ["session", "member"]
    readonly_fields = ["version", "marked_by", "updated_at"]
    list_select_related = ["session", "member"]
    inlines = [AttendanceChangeInline]


@admin.register(StudyHoursEntry)
class StudyHoursEntryAdmin(admin.ModelAdmin):
    list_display = ["member", "date", "hours", "source"]
    list_filter = ["source"]
    raw_id_fields = ["member"]
    list_select_related = ["member"]


@admin.register(StudyHoursTarget)
class StudyHoursTargetAdmin(admin.ModelAdmin):
    list_display = ["year", "group", "hours"]
