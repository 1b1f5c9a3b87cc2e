"""Forms of the staff-account pages: the list filter, the account form and the set-password form."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import audit
from core.personal_data import validate_phone
from core.roles import Role
from courses.models import Instructor
from trainees.models import Profile, Township

# The working roles staff accounts are managed for here; members sign in by SMS code
# (their accounts come with the roster), the administrator duties are granted in the admin.
MANAGED_ROLES = (Role.COUNTY, Role.TOWNSHIP, Role.INSTRUCTOR)
MANAGED_ROLE_CHOICES = [(role.value, role.label) for role in MANAGED_ROLES]
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def managed_accounts():
    """The logins these pages manage: working-role staff, never a duty holder or a superuser."""
    return get_user_model().objects.filter(
        portal_profile__role__in=MANAGED_ROLES,
        portal_profile__is_system_admin=False,
        portal_profile__is_security_admin=False,
        portal_profile__is_security_auditor=False,
        is_superuser=False,
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("账号或姓名"), max_length=50, required=False)
    role = forms.ChoiceField(
        label=_("角色"), choices=[("", _("全部"))] + MANAGED_ROLE_CHOICES, required=False
    )
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"), queryset=Township.objects.only("pk", "name"), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("active", _("启用")), ("inactive", _("已停用"))],
        required=False,
    )

    def filter(self, users):
        if not self.is_valid():
            return users
        data = self.cleaned_data
        if data["q"]:
            users = users.filter(Q(username__icontains=data["q"]) | Q(first_name__contains=data["q"]))
        if data["role"]:
            users = users.filter(portal_profile__role=data["role"])
        if data["township"]:
            users = users.filter(portal_profile__township=data["township"])
        if data["status"]:
            users = users.filter(is_active=data["status"] == "active")
        return users


class StaffAccountForm(forms.Form):
    """A staff login: its user (username, name), its profile (role, township, phone), its instructor."""

    username = forms.CharField(
        label=_("登录账号"),
        max_length=150,
        validators=[UnicodeUsernameValidator(message=_("登录账号只能包含字母、数字和 @ . + - _ 符号。"))],
        help_text=_("用于密码登录，建议使用姓名拼音，创建后可修改。"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("设置密码和找回密码的短信发往此号码。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=MANAGED_ROLE_CHOICES)
    township = forms.ModelChoiceField(
        label=_("所属乡镇（街道）"),
        queryset=Township.objects.all(),
        required=False,
        help_text=_("乡镇党校管理员必填；其他角色不需要。"),
    )
    instructor = forms.ModelChoiceField(
        label=_("对应师资"),
        queryset=Instructor.objects.none(),
        required=False,
        help_text=_("授课教师账号关联到师资库中的本人，登录后可看到自己的授课安排。"),
    )
    send_invite = forms.BooleanField(label=_("保存后发送设置密码短信"), required=False, initial=True)

    def __init__(self, *args, account=None, **kwargs):
        self.account = account
        if account is not None:
            profile = account.portal_profile
            linked = Instructor.objects.filter(user=account).first()
            kwargs.setdefault(
                "initial",
                {
                    "username": account.username,
                    "name": account.first_name,
                    "phone": profile.phone,
                    "role": profile.role,
                    "township": profile.township_id,
                    "instructor": linked.pk if linked else None,
                },
            )
        super().__init__(*args, **kwargs)
        free = Q(user__isnull=True) | Q(user=account) if account is not None else Q(user__isnull=True)
        self.fields["instructor"].queryset = Instructor.objects.filter(free).only("pk", "name")
        if account is not None:
            del self.fields["send_invite"]  # an existing account is sent the link from its page

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        taken = get_user_model().objects.filter(username=username)
        if self.account is not None:
            taken = taken.exclude(pk=self.account.pk)
        if taken.exists():
            raise forms.ValidationError(_("该登录账号已被使用，请换一个。"))
        return username

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        validate_phone(phone)
        if not _MOBILE.match(phone):
            raise forms.ValidationError(_("请填写11位手机号码：设置密码的短信只能发往手机。"))
        taken = Profile.objects.filter(phone=phone)
        if self.account is not None:
            taken = taken.exclude(user=self.account)
        if taken.exists():
            raise forms.ValidationError(_("该手机号码已用于其他工作人员账号。"))
        return phone

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.TOWNSHIP and not data.get("township"):
            self.add_error("township", _("乡镇党校管理员须选择所属乡镇（街道）。"))
        if role != Role.TOWNSHIP:
            data["township"] = None
        if role != Role.INSTRUCTOR:
            data["instructor"] = None
        if data.get("send_invite") and not data.get("phone"):
            self.add_error("phone", _("发送设置密码短信须填写手机号码。"))
        return data

    @transaction.atomic
    def save(self):
        """Create or update the account; every row written is audited (User, Profile, Instructor)."""
        data = self.cleaned_data
        user = self.account
        if user is None:
            user = get_user_model()(username=data["username"], first_name=data["name"])
            user.set_unusable_password()  # signs in once the set-your-password link has been used
            user.save()
            profile = Profile(user=user)
        else:
            if (user.username, user.first_name) != (data["username"], data["name"]):
                user.username, user.first_name = data["username"], data["name"]
                user.save(update_fields=["username", "first_name"])
            profile = user.portal_profile
        profile.role, profile.township, profile.phone = data["role"], data["township"], data["phone"]
        profile.save()
        self._link_instructor(user, data["instructor"])
        return user

    @staticmethod
    def _link_instructor(user, instructor):
        previous = Instructor.objects.filter(user=user).first()
        if previous == instructor:
            return
        if previous is not None:
            previous.user = None
            previous.save(update_fields=["user"])
            audit.record(audit.Action.UPDATE, previous, changes={"user": [user.pk, None]})
        if instructor is not None:
            instructor.user = user
            instructor.save(update_fields=["user"])
            audit.record(audit.Action.UPDATE, instructor, changes={"user": [None, user.pk]})


class StaffSetPasswordForm(SetPasswordForm):
    """Django's set-password form, its labels and messages in Chinese; the rules are the settings'."""

    error_messages = {"password_mismatch": _("两次输入的密码不一致。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")
        self.fields["new_password2"].help_text = _("请再输入一遍，以免输错。")


class SignInFilterForm(forms.Form):
    """The filter of a township's member sign-in list."""

    q = forms.CharField(label=_("姓名或支部"), max_length=50, required=False)
    signed_in = forms.ChoiceField(
        label=_("登录情况"),
        choices=[("", _("全部")), ("yes", _("已登录过")), ("no", _("从未登录"))],
        required=False,
    )

    def filter(self, members):
        if not self.is_valid():
            return members
        members = members.search(self.cleaned_data["q"])
        if self.cleaned_data["signed_in"] == "yes":
            members = members.filter(user__last_login__isnull=False)
        elif self.cleaned_data["signed_in"] == "no":
            members = members.filter(Q(user__isnull=True) | Q(user__last_login__isnull=True))
        return members


__all__ = ["MANAGED_ROLES", "SignInFilterForm", "StaffAccountForm", "StaffFilterForm", "StaffSetPasswordForm"]
