"""Organisation and people: districts, townships, branches, departments, members."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.personal_data import mask_phone, validate_phone
from core.roles import Duty, Role

from . import idcrypto
from .scoping import ScopedQuerySet
from .validators import (
    birth_date_from_id_number,
    member_record_errors,
    normalize_id_number,
)


class District(models.Model):
    """片区: the county's grouping of townships for quarterly reviews."""

    name = models.CharField(_("片区名称"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("片区")
        verbose_name_plural = _("片区")

    def __str__(self) -> str:
        return self.name


class TownshipQuerySet(ScopedQuerySet):
    township_path = "pk"

    def with_counts(self):
        return self.annotate(
            branch_count=Count("branches", distinct=True),
            member_count=Count(
                "branches__members", filter=Q(branches__members__is_active=True), distinct=True
            ),
            # The go-live figure: members on the roll who have signed in at least once.
            signed_in_count=Count(
                "branches__members",
                filter=Q(
                    branches__members__is_active=True,
                    branches__members__user__last_login__isnull=False,
                ),
                distinct=True,
            ),
        )


class Township(models.Model):
    """乡镇/街道 and its party school (乡镇党校)."""

    class Kind(models.TextChoices):
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")
        SUBDISTRICT = "subdistrict", _("街道")
        ZONE = "zone", _("开发区")

    code = models.CharField(_("统计区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.TOWN)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="townships", verbose_name=_("片区")
    )
    party_school = models.CharField(_("党校名称"), max_length=80)
    address = models.CharField(_("党校地址"), max_length=200, blank=True)
    # Part of the signed calendar-feed link (courses.cycle.feeds): raising it revokes the old link.
    calendar_feed_version = models.PositiveIntegerField(
        _("日历订阅链接版本"), default=0, db_default=0, editable=False
    )

    objects = TownshipQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("乡镇（街道）")
        verbose_name_plural = _("乡镇（街道）")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("trainees:township-detail", args=[self.pk])


class BranchQuerySet(ScopedQuerySet):
    township_path = "township"


class Branch(models.Model):
    """党支部 (or 党总支), with the domain it works in."""

    class Domain(models.TextChoices):
        RURAL = "rural", _("农村")
        COMMUNITY = "community", _("城市社区")
        ORGAN = "organ", _("党政机关")
        STATE_ENTERPRISE = "state_enterprise", _("国有企业")
        ENTERPRISE = "enterprise", _("非公有制企业")
        SOCIAL = "social", _("社会组织")
        SCHOOL = "school", _("学校")
        INSTITUTION = "institution", _("其他事业单位")
        OTHER = "other", _("其他")

    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="branches", verbose_name=_("乡镇（街道）")
    )
    name = models.CharField(_("支部名称"), max_length=100)
    domain = models.CharField(_("领域"), max_length=20, choices=Domain.choices)
    secretary_name = models.CharField(_("支部书记"), max_length=50, blank=True)

    objects = BranchQuerySet.as_manager()

    class Meta:
        ordering = ["township__code", "name"]
        verbose_name = _("党支部")
        verbose_name_plural = _("党支部")
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="branch_unique_name_per_township")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """县直部门: a county unit that can accept dispatched courses."""

    name = models.CharField(_("部门名称"), max_length=80, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("县直部门")
        verbose_name_plural = _("县直部门")

    def __str__(self) -> str:
        return self.name


class MemberGroup(models.Model):
    """A group a member belongs to, carrying its yearly study-hours rule as data."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    study_hours_target = models.DecimalField(
        _("年度学时要求"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("留空表示沿用普通党员的要求。"),
    )
    exempt_from_target = models.BooleanField(
        _("免于学时考核"),
        default=False,
        help_text=_("年老体弱、重病等按条例可不参加集中学习的党员，实行送学上门。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("党员群体")
        verbose_name_plural = _("党员群体")

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(ScopedQuerySet):
    township_path = "branch__township"
    member_path = "pk"

    def active(self):
        return self.filter(is_active=True)

    def search(self, text: str):
        # No search by ID number here: the list filter is a GET form, and a number in the
        # query string would end up in access logs and browser history.
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__contains=text) | Q(branch__name__contains=text))

    def _filter_or_exclude(self, negate, args, kwargs):
        # The number is stored encrypted: ``id_number=`` / ``id_number__in=`` become exact
        # lookups of the keyed hash. Any other lookup on it (contains, startswith…) is
        # impossible by design and fails as an unknown field.
        return super()._filter_or_exclude(negate, args, _hashed_id_lookups(kwargs))


def _hashed_id_lookups(kwargs: dict) -> dict:
    if not any(key.startswith("id_number") for key in kwargs):
        return kwargs
    rewritten = {}
    for key, value in kwargs.items():
        if key in ("id_number", "id_number__exact"):
            rewritten["id_number_hash"] = idcrypto.blind_index(value)
        elif key == "id_number__in":
            rewritten["id_number_hash__in"] = [idcrypto.blind_index(v) for v in value]
        else:
            rewritten[key] = value
    return rewritten


class Member(models.Model):
    """党员: one party member's record."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", _("研究生")
        BACHELOR = "bachelor", _("大学本科")
        COLLEGE = "college", _("大学专科")
        SECONDARY = "secondary", _("中专/高中")
        JUNIOR = "junior", _("初中及以下")

    class Category(models.TextChoices):
        WORKER = "worker", _("工人")
        FARMER = "farmer", _("农牧渔民")
        PROFESSIONAL = "professional", _("专业技术人员")
        MANAGER = "manager", _("企业管理人员")
        ORGAN_STAFF = "organ_staff", _("党政机关工作人员")
        STUDENT = "student", _("学生")
        RETIRED = "retired", _("离退休人员")
        OTHER = "other", _("其他职业人员")

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("预备党员")
        FULL = "full", _("正式党员")
        SUSPENDED = "suspended", _("停止党籍")

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    # The ID number is never stored in clear (trainees.idcrypto, docs/security.md):
    # ``member.id_number`` (a property) decrypts, and setting it writes all three columns.
    id_number_encrypted = models.TextField(_("公民身份号码（密文）"), editable=False, default="")
    id_number_hash = models.CharField(
        _("公民身份号码索引"),
        max_length=64,
        unique=True,
        editable=False,
        error_messages={"unique": _("该公民身份号码已登记在其他党员名下。")},
    )
    id_number_masked = models.CharField(_("公民身份号码（脱敏）"), max_length=18, editable=False, default="")
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    # Part of the signed calendar-feed link (courses.cycle.feeds): raising it revokes the old link.
    calendar_feed_version = models.PositiveIntegerField(
        _("日历订阅链接版本"), default=0, db_default=0, editable=False
    )
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices)
    category = models.CharField(
        _("人员类别"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    position = models.CharField(_("工作岗位"), max_length=100, blank=True)
    join_date = models.DateField(_("入党日期"))
    full_date = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(_("党员状态"), max_length=20, choices=Status.choices, default=Status.FULL)
    # No index of its own: member_branch_active_idx (branch, is_active) serves every branch lookup,
    # and each index is one more insert per member in a 20,000-row roster import.
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所在党支部"),
        db_index=False,
    )
    groups = models.ManyToManyField(
        MemberGroup, blank=True, related_name="members", verbose_name=_("党员群体")
    )
    is_active = models.BooleanField(_("在册"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name=_("登录账号"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["branch__township__code", "branch__name", "name", "pk"]
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(fields=["branch", "is_active"], name="member_branch_active_idx"),
            models.Index(fields=["name"], name="member_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("trainees:member-detail", args=[self.pk])

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number)
        errors: dict[str, list] = {}
        for field, error in member_record_errors(
            id_birth_date=birth_date_from_id_number(self.id_number) if self.id_number else None,
            birth_date=self.birth_date,
            join_date=self.join_date,
            full_date=self.full_date,
            probationary=self.status == self.Status.PROBATIONARY,
        ):
            errors.setdefault(field, []).append(error)
        if errors:
            raise ValidationError(errors)

    @property
    def id_number(self) -> str:
        """The full number, decrypted on first use (only the reveal, edit form and full export need it)."""
        token = self.id_number_encrypted
        cached = self.__dict__.get("_id_number_plain")
        if cached is None or cached[0] != token:
            cached = (token, idcrypto.decrypt(token))
            self.__dict__["_id_number_plain"] = cached
        return cached[1]

    @id_number.setter
    def id_number(self, value: str) -> None:
        value = normalize_id_number(value)
        if self.id_number_encrypted and value == self.id_number:
            return  # unchanged: keep the ciphertext (a fresh nonce would look like a change)
        encrypted, self.id_number_hash, self.id_number_masked = idcrypto.protect(value)
        self.id_number_encrypted = encrypted
        self.__dict__["_id_number_plain"] = (encrypted, value)

    @property
    def masked_id_number(self) -> str:
        return self.id_number_masked

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def township(self) -> Township:
        return self.branch.township


class Profile(models.Model):
    """A login's role in the portal, and the township a township admin runs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_profile",
        verbose_name=_("登录账号"),
    )
    # Blank for an account that holds only an administrator duty (below).
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admins",
        verbose_name=_("所属乡镇（街道）"),
    )
    # A staff member's mobile number: set-your-password links and password-reset codes go to it.
    # A member's number stays on the Member record; this one is for staff accounts.
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[validate_phone])
    # The separated duties (三员分立, core.roles.Duty). Three flags on the profile rather than
    # Django groups: a CHECK constraint can forbid the auditor holding another duty only
    # within one row, and every change of them is an audited update of this model.
    is_system_admin = models.BooleanField(
        _("系统管理员"), default=False, help_text=_("配置、定时任务、备份；不接触培训数据。")
    )
    is_security_admin = models.BooleanField(
        _("安全管理员"), default=False, help_text=_("账号、角色、登录锁定；不接触培训数据。")
    )
    is_security_auditor = models.BooleanField(
        _("安全审计员"),
        default=False,
        help_text=_("查阅和导出审计日志；不能兼任其他管理员或业务角色，不能修改任何数据。"),
    )

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            # One account per staff phone: a reset code sent to a number finds one login.
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="profile_phone_unique"),
            models.CheckConstraint(
                condition=~Q(role=Role.TOWNSHIP) | Q(township__isnull=False),
                name="profile_township_admin_has_township",
            ),
            models.CheckConstraint(
                condition=Q(is_security_auditor=False)
                | Q(is_system_admin=False, is_security_admin=False, role=""),
                name="profile_auditor_holds_no_other_duty",
            ),
            models.CheckConstraint(
                condition=~Q(role="")
                | Q(is_system_admin=True)
                | Q(is_security_admin=True)
                | Q(is_security_auditor=True),
                name="profile_has_a_role_or_a_duty",
            ),
        ]

    def __str__(self) -> str:
        labels = [self.get_role_display()] if self.role else []
        labels += [Duty(duty).label for duty in self.duties]
        return f"{self.user} · {'、'.join(str(label) for label in labels)}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def duties(self) -> list[str]:
        flags = {
            Duty.SYSTEM_ADMIN: self.is_system_admin,
            Duty.SECURITY_ADMIN: self.is_security_admin,
            Duty.SECURITY_AUDITOR: self.is_security_auditor,
        }
        return [duty for duty, held in flags.items() if held]

    def clean(self):
        super().clean()
        if self.is_security_auditor and (self.is_system_admin or self.is_security_admin or self.role):
            raise ValidationError(
                {"is_security_auditor": _("安全审计员不能兼任系统管理员、安全管理员或业务角色。")}
            )
        if not self.role and not self.duties:
            raise ValidationError({"role": _("请选择角色或管理员职责。")})


def import_upload_to(batch: ImportBatch, filename: str) -> str:
    """Stored under a random name: the original may carry ID numbers and is for audit only."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"imports/members/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class ImportBatchQuerySet(ScopedQuerySet):
    # County-wide batches (township null) are visible to county staff only.
    township_path = "township"


class ImportBatch(models.Model):
    """One uploaded roster file: previewed, then committed all at once, or failed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("未导入")

    TRANSITIONS = {Status.PREVIEWED: {Status.COMMITTED, Status.FAILED}}

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
        verbose_name=_("导入范围"),
        help_text=_("乡镇管理员的导入限于本乡镇；留空表示全县。"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    # Emptied ROSTER_FILE_RETENTION_DAYS after the batch is finished (trainees.retention).
    file = models.FileField(_("原始文件"), upload_to=import_upload_to, max_length=200, blank=True)
    file_deleted_at = models.DateTimeField(_("原始文件删除时间"), null=True, blank=True, editable=False)
    file_size = models.PositiveIntegerField(_("文件大小"), default=0)
    sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    invalid_count = models.PositiveIntegerField(_("有误"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("名册导入批次")
        verbose_name_plural = _("名册导入批次")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("trainees:member-import-detail", args=[self.pk])

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.PREVIEWED and self.invalid_count == 0

    def set_counts(self, counts: dict[str, int], errors: list[dict]) -> None:
        self.total_rows = counts["total"]
        self.created_count = counts["created"]
        self.updated_count = counts["updated"]
        self.unchanged_count = counts["unchanged"]
        self.invalid_count = counts["invalid"]
        self.errors = errors

    def move_to(self, status: str, *, by) -> None:
        """Move along TRANSITIONS, recording who and when; anything else is a bug."""
        if status not in self.TRANSITIONS.get(self.status, set()):
            raise ValueError(f"import batch cannot go from {self.status} to {status}")
        self.status = status
        self.finished_by = by
        self.finished_at = timezone.now()
