"""The course catalog: themes, courses and their development pipeline, instructors, bases, routes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import role_of
from core.workflow import Workflow
from trainees.models import Department, Township
from trainees.scoping import CountyQuerySet

from .base import CatalogQuerySet


class Tag(models.Model):
    """A topic tag (专题标签), later matched against needs surveys."""

    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("专题标签")
        verbose_name_plural = _("专题标签")

    def __str__(self) -> str:
        return self.name


class ThemeQuerySet(CountyQuerySet):
    def visible_to(self, user):
        """The county's themes are read by every portal role; only county staff change them."""
        return self if role_of(user) is not None else self.none()

    def in_year(self, year: int):
        return self.filter(year=year)


class Theme(models.Model):
    """每月一主题: the county's theme for one year-month."""

    year = models.PositiveSmallIntegerField(_("年份"))
    month = models.PositiveSmallIntegerField(_("月份"), choices=[(m, m) for m in range(1, 13)])
    title = models.CharField(_("主题"), max_length=100)
    description = models.TextField(_("主题说明"), blank=True)
    recommended_courses = models.ManyToManyField(
        "Course", blank=True, related_name="themes", verbose_name=_("推荐课程")
    )

    objects = ThemeQuerySet.as_manager()

    class Meta:
        ordering = ["year", "month"]
        verbose_name = _("月度主题")
        verbose_name_plural = _("月度主题")
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="theme_unique_year_month")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("courses:theme-detail", args=[self.pk])


class CourseQuerySet(CatalogQuerySet):
    township_path = "township"

    def premium(self):
        return self.filter(stage=Course.Stage.PREMIUM)

    def in_development(self):
        return self.filter(stage__in=Course.DEVELOPMENT_STAGES)


class Course(Workflow):
    """A catalog course; ``stage`` walks the premium-course development pipeline."""

    class Category(models.TextChoices):
        THEORY = "theory", _("理论主线")
        INDUSTRY_HARDWARE = "industry_hardware", _("产业·五金机械")
        INDUSTRY_FURNITURE = "industry_furniture", _("产业·家具制造")
        RED_RESOURCES = "red_resources", _("红色资源")
        PARTY_SPIRIT = "party_spirit", _("党性修养与道德品行")
        PRACTICAL_SKILLS = "practical_skills", _("实用技能")
        PRACTICE_MODULE = "practice_module", _("实践模块")

    class Format(models.TextChoices):
        CLASSROOM = "classroom", _("课堂讲授")
        BASE = "base", _("基地现场教学")
        ROUTE = "route", _("线路现场教学")
        VIDEO = "video", _("视频课程")

    class Level(models.TextChoices):
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡镇级")

    class Stage(models.TextChoices):
        STANDARD = "standard", _("普通课程")
        PROPOSED = "proposed", _("组织点题")
        SELECTED = "selected", _("基层选题")
        DISCUSSION = "discussion", _("选题研讨")
        PREPARATION = "preparation", _("集体备课")
        TRIAL = "trial", _("新课试讲")
        PREMIUM = "premium", _("精品课程")
        RETURNED = "returned", _("退回修改")
        REJECTED = "rejected", _("未通过")

    STATE_FIELD = "stage"
    EVENTS = "stage_records"
    _STEPS = ["proposed", "selected", "discussion", "preparation", "trial"]
    TRANSITIONS = {
        "standard": {"proposed"},
        "proposed": {"selected", "returned", "rejected"},
        "selected": {"discussion", "returned", "rejected"},
        "discussion": {"preparation", "returned", "rejected"},
        "preparation": {"trial", "returned", "rejected"},
        "trial": {"premium", "returned", "rejected"},
        # A returned course resumes at the step the reviewers send it back to.
        "returned": {*_STEPS, "rejected"},
        "premium": set(),
        "rejected": set(),
    }
    REASON_REQUIRED = frozenset({"returned", "rejected"})
    DEVELOPMENT_STAGES = (*_STEPS, "returned")
    # Moves only county staff may make (approval, rejection).
    COUNTY_ONLY = frozenset({"premium", "rejected"})

    title = models.CharField(_("课程名称"), max_length=120)
    summary = models.TextField(_("课程简介"), blank=True)
    category = models.CharField(_("课程类别"), max_length=20, choices=Category.choices)
    format = models.CharField(_("授课形式"), max_length=12, choices=Format.choices, default=Format.CLASSROOM)
    level = models.CharField(_("课程级别"), max_length=10, choices=Level.choices, default=Level.COUNTY)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("2.0"))
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("牵头部门"),
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("所属乡镇（街道）"),
        help_text=_("乡镇级课程填写；县级课程留空。"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="courses", verbose_name=_("专题标签"))
    stage = models.CharField(_("开发阶段"), max_length=12, choices=Stage.choices, default=Stage.STANDARD)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        indexes = [models.Index(fields=["stage", "category"], name="course_stage_category_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:course-detail", args=[self.pk])

    @property
    def is_premium(self) -> bool:
        return self.stage == self.Stage.PREMIUM

    @property
    def in_development(self) -> bool:
        return self.stage in self.DEVELOPMENT_STAGES

    def record_transition(self, from_state: str, to: str, *, by, note: str):
        # A pipeline step is a dated stage record (participants are added by the
        # service), not a plain TransitionEvent, so its columns have their own names.
        return self.stage_records.create(
            from_stage=from_state,
            stage=to,
            date=timezone.localdate(),
            notes=note,
            recorded_by=by,
        )


class CourseStageRecord(models.Model):
    """The dated record of one pipeline step: who took part and what was decided."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="stage_records", verbose_name=_("课程")
    )
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Course.Stage.choices, blank=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=Course.Stage.choices)
    date = models.DateField(_("日期"))
    participants = models.TextField(_("参加人员"), blank=True, help_text=_("课程开发小组成员等。"))
    instructors = models.ManyToManyField(
        "Instructor", blank=True, related_name="stage_records", verbose_name=_("参与师资")
    )
    notes = models.TextField(_("记录"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["course", "recorded_at", "pk"]
        verbose_name = _("课程开发记录")
        verbose_name_plural = _("课程开发记录")

    def __str__(self) -> str:
        return f"{self.course} · {self.get_stage_display()} · {self.date}"


class CourseMaterialQuerySet(CatalogQuerySet):
    township_path = "course__township"


class CourseMaterial(models.Model):
    """An uploaded file of a course: slides, a video or a document."""

    class Kind(models.TextChoices):
        SLIDES = "slides", _("课件")
        VIDEO = "video", _("视频")
        DOCUMENT = "document", _("文档")

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="materials", verbose_name=_("课程")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=120)
    file = models.FileField(_("文件"), upload_to="courses/materials/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = CourseMaterialQuerySet.as_manager()

    class Meta:
        ordering = ["course", "kind", "title"]
        verbose_name = _("课程资料")
        verbose_name_plural = _("课程资料")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The scope-checked download (never MEDIA_URL)."""
        return reverse("courses:material-file", args=[self.course_id, self.pk])


class CourseLink(models.Model):
    """An external (intranet) link attached to a course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="links", verbose_name=_("课程"))
    title = models.CharField(_("名称"), max_length=120)
    url = models.URLField(_("链接地址"), max_length=500)

    class Meta:
        ordering = ["course", "title"]
        verbose_name = _("课程链接")
        verbose_name_plural = _("课程链接")

    def __str__(self) -> str:
        return self.title


class InstructorQuerySet(CatalogQuerySet):
    township_path = "township"
    instructor_user_path = "user"

    def active(self):
        return self.filter(is_active=True)

    def star(self):
        return self.filter(is_star=True, is_active=True)


class Instructor(models.Model):
    """师资: someone who teaches — party-school teacher, star secretary, cadre, expert."""

    class Kind(models.TextChoices):
        SCHOOL_TEACHER = "school_teacher", _("党校教师")
        STAR_SECRETARY = "star_secretary", _("明星支部书记")
        CADRE = "cadre", _("领导干部")
        EXPERT = "expert", _("专家学者")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("师资类型"), max_length=20, choices=Kind.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructors",
        verbose_name=_("所在部门"),
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructors",
        verbose_name=_("所在乡镇（街道）"),
    )
    bio = models.TextField(_("简介"), blank=True)
    is_star = models.BooleanField(_("明星师资"), default=False)
    is_active = models.BooleanField(_("在聘"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructor_profile",
        verbose_name=_("登录账号"),
    )
    courses = models.ManyToManyField(
        Course, blank=True, related_name="instructors", verbose_name=_("讲授课程")
    )

    objects = InstructorQuerySet.as_manager()

    class Meta:
        ordering = ["-is_star", "name", "pk"]
        verbose_name = _("师资")
        verbose_name_plural = _("师资")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("courses:instructor-detail", args=[self.pk])


class TeachingBaseQuerySet(CatalogQuerySet):
    township_path = "township"


class TeachingBase(models.Model):
    """教学基地: a red-education site, workshop, field or community used for on-site teaching."""

    class Kind(models.TextChoices):
        RED_SITE = "red_site", _("红色教育基地")
        ENTERPRISE_WORKSHOP = "enterprise_workshop", _("企业车间")
        FIELD = "field", _("田间地头")
        COMMUNITY = "community", _("社区")
        OTHER = "other", _("其他")

    name = models.CharField(_("基地名称"), max_length=100)
    kind = models.CharField(_("基地类型"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="teaching_bases", verbose_name=_("所在乡镇（街道）")
    )
    description = models.TextField(_("简介"), blank=True)

    objects = TeachingBaseQuerySet.as_manager()

    class Meta:
        ordering = ["township__code", "name"]
        verbose_name = _("教学基地")
        verbose_name_plural = _("教学基地")

    def __str__(self) -> str:
        return self.name


class TeachingRouteQuerySet(CatalogQuerySet):
    def with_hours_total(self):
        return self.annotate(hours_total=Sum("stops__duration_hours"))


class TeachingRoute(models.Model):
    """教学路线: an ordered chain of bases taught in one outing."""

    name = models.CharField(_("路线名称"), max_length=100)
    theme = models.CharField(_("路线主题"), max_length=100, blank=True)
    description = models.TextField(_("简介"), blank=True)
    is_premium = models.BooleanField(_("精品教学路线"), default=False)
    bases = models.ManyToManyField(
        TeachingBase, through="RouteStop", related_name="routes", verbose_name=_("途经基地")
    )

    objects = TeachingRouteQuerySet.as_manager()

    class Meta:
        ordering = ["-is_premium", "name"]
        verbose_name = _("教学路线")
        verbose_name_plural = _("教学路线")

    def __str__(self) -> str:
        return self.name

    @property
    def total_hours(self) -> Decimal:
        """Sum of the stops' hours (uses prefetched stops when present)."""
        return sum((stop.duration_hours for stop in self.stops.all()), Decimal("0"))


class RouteStop(models.Model):
    route = models.ForeignKey(
        TeachingRoute, on_delete=models.CASCADE, related_name="stops", verbose_name=_("教学路线")
    )
    base = models.ForeignKey(
        TeachingBase, on_delete=models.PROTECT, related_name="stops", verbose_name=_("教学基地")
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    duration_hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("1.0"))
    note = models.CharField(_("教学内容"), max_length=200, blank=True)

    class Meta:
        ordering = ["route", "order"]
        verbose_name = _("路线站点")
        verbose_name_plural = _("路线站点")
        constraints = [models.UniqueConstraint(fields=["route", "order"], name="routestop_unique_order")]

    def __str__(self) -> str:
        return f"{self.route} · {self.order}. {self.base}"
