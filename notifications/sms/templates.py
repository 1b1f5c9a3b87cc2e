"""Every kind of text message the portal sends: a key, the approved text and its named parameters.

Mainland gateways (Aliyun SMS, Tencent Cloud SMS and the provincial platforms modelled on
them) send only a registered signature with a pre-approved template and its parameters.
The county registers each text below with its gateway, as written here, and puts the code
the gateway gives it in ``SMS_TEMPLATE_CODES`` (see docs/deploy.md). The console and memory
backends render the same text locally, so development shows what a member will read.

Parameters are cut to the gateways' limits before sending (:func:`clean_param`): at most
``SMS_PARAM_MAX_LENGTH`` characters (Aliyun's 35 by default), no links unless the template
allows one, none of the 【】 brackets a gateway reserves for the signature.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Texts are registered and approved in Chinese: whatever the recipient's language, this is what goes out.
TEMPLATE_LANGUAGE = "zh-hans"
DEFAULT_PARAM_MAX_LENGTH = 35
URL_PATTERN = re.compile(r"(https?://|www\.)\S*", re.IGNORECASE)
ELLIPSIS = "…"

ParamSource = Callable[[Mapping], dict]
# A one-time code or link: a text carrying one is neither logged, kept, nor held back by the caps.
SECRET_PARAM_NAMES = frozenset({"code", "url"})


def clean_param(value, *, allow_url: bool = False, max_length: int | None = None) -> str:
    """One parameter as a gateway takes it: text, one line, no link (unless allowed), within the limit."""
    if value is None:
        value = ""
    elif isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    text = " ".join(str(value).split())
    if not allow_url:
        text = URL_PATTERN.sub("", text).strip()
    text = text.replace("【", "[").replace("】", "]")
    if allow_url:
        return text  # a cut link leads nowhere: whole, or refused by the gateway (kept on the row)
    limit = max_length or getattr(settings, "SMS_PARAM_MAX_LENGTH", DEFAULT_PARAM_MAX_LENGTH)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + ELLIPSIS
    return text


@dataclass(frozen=True)
class SmsTemplate:
    """One kind of text message: the key the portal uses, its text and its named parameters.

    ``params`` is also the order of Tencent Cloud's numbered variables ({1}, {2} …).
    ``url_params`` may carry a link (the template was approved with one); ``source`` turns a
    reminder's message context into the parameters (by default each parameter is the
    context's value of the same name).
    """

    key: str
    text: object
    params: tuple[str, ...]
    url_params: frozenset[str] = field(default_factory=frozenset)
    source: ParamSource | None = None
    description: object = ""

    def clean(self, params: Mapping) -> dict[str, str]:
        """The named parameters cut to the gateways' limits; a missing one is an error."""
        missing = set(self.params) - set(params)
        if missing:
            raise ValueError(f"SMS template {self.key} misses parameters {sorted(missing)}")
        return {name: clean_param(params[name], allow_url=name in self.url_params) for name in self.params}

    def params_from(self, context: Mapping) -> dict[str, str]:
        """The parameters of this template from a reminder's message context."""
        raw = self.source(context) if self.source else {name: context.get(name, "") for name in self.params}
        return self.clean(raw)

    def render(self, params: Mapping) -> str:
        """The text a member reads (without the signature), as the gateway fills it in."""
        cleaned = self.clean(params)
        with translation.override(TEMPLATE_LANGUAGE):
            return str(self.text).format(**cleaned)

    @property
    def secret_params(self) -> frozenset[str]:
        """Parameters never logged nor stored: one-time codes and links (a set-password link)."""
        return frozenset(name for name in self.params if name in SECRET_PARAM_NAMES)

    def redacted(self, params: Mapping) -> dict[str, str]:
        """``params`` with the secret ones replaced by asterisks, for logs and the outcome rows."""
        return {name: "******" if name in self.secret_params else value for name, value in params.items()}

    def approved_text(self) -> str:
        """The text to register with a gateway, with ``${name}`` variables (Aliyun's form)."""
        with translation.override(TEMPLATE_LANGUAGE):
            return str(self.text).format(**{name: "${" + name + "}" for name in self.params})


TEMPLATES: dict[str, SmsTemplate] = {}


def register_template(
    key: str,
    text,
    params: tuple[str, ...],
    *,
    url_params: tuple[str, ...] | None = None,
    source: ParamSource | None = None,
    description="",
) -> SmsTemplate:
    """Register (or replace) the template ``key``. Parameters named ``url`` or ``link`` may carry a link."""
    if url_params is None:
        url_params = tuple(name for name in params if name in ("url", "link"))
    template = SmsTemplate(key, text, tuple(params), frozenset(url_params), source, description)
    TEMPLATES[key] = template
    return template


def template_for(key: str) -> SmsTemplate | None:
    return TEMPLATES.get(key)


def _session(context: Mapping) -> dict:
    session = context.get("session")
    return {
        "title": getattr(session, "title", "") or "",
        "starts_at": context.get("starts_at", ""),
        "venue": context.get("venue", ""),
    }


LOGIN_CODE = register_template(
    "login_code",
    _("您的登录验证码为{code}，5分钟内有效。如非本人操作，请忽略。"),
    ("code",),
    description=_("登录验证码"),
)
PASSWORD_CODE = register_template(
    "password_code",
    _("您正在设置或找回平台密码，验证码为{code}，5分钟内有效。请勿告诉他人。"),
    ("code",),
    description=_("设置或找回密码验证码"),
)
STAFF_INVITE = register_template(
    "staff_invite",
    _("{name}，您好：月训工程平台已为您开通工作人员账号，请打开链接设置登录密码（仅可使用一次）：{url}"),
    ("name", "url"),
    description=_("工作人员账号开通（设置密码链接）"),
)
SMS_TEST = register_template(
    "sms_test",
    _("宁津县月训工程平台短信测试：收到本短信说明短信通道已接通，无需回复。"),
    (),
    description=_("短信通道测试（sms_check）"),
)

# The reminders: one template per notifications.models.Kind, keyed by the kind's value.
register_template(
    "session_upcoming",
    _("您报名的培训“{title}”将于{starts_at}开始，地点：{venue}。请准时参加，到场后扫码签到。"),
    ("title", "starts_at", "venue"),
    source=_session,
    description=_("培训开始提醒"),
)
register_template(
    "instructor_session",
    _("您授课的培训“{title}”将于{starts_at}开始，地点：{venue}。请提前做好授课准备。"),
    ("title", "starts_at", "venue"),
    source=_session,
    description=_("授课提醒"),
)
register_template(
    "session_cancelled",
    _("您报名的培训“{title}”（原定{starts_at}）已取消，后续安排请留意平台通知。"),
    ("title", "starts_at"),
    source=_session,
    description=_("培训取消通知"),
)
register_template(
    "session_moved",
    _("您报名的培训“{title}”时间调整为{starts_at}，地点：{venue}，请按新时间参加。"),
    ("title", "starts_at", "venue"),
    source=_session,
    description=_("培训时间变更通知"),
)
register_template(
    "request_awaiting",
    _("{township}申请的送教课程“{course}”（{month}）已派给您，请登录平台接单或说明原因。"),
    ("township", "course", "month"),
    description=_("送教待接单提醒"),
)
register_template(
    "plan_no_session",
    _("{township}{year}年{month}月尚未发布月训场次，请尽快登录平台发布。"),
    ("township", "year", "month"),
    description=_("本月未发布月训提醒"),
)
register_template(
    "member_absent",
    _("{township}{branch}党员{member}已连续{months}个月未参加所报名的培训，请及时了解情况。"),
    ("township", "branch", "member", "months"),
    description=_("党员连续缺训预警"),
)
register_template(
    "improvement_overdue",
    _("改进清单事项“{problem}”已超过整改时限（{due_date}），请尽快办理并反馈。"),
    ("problem", "due_date"),
    description=_("整改逾期催办"),
)
register_template(
    "annual_report_due",
    _("{township}尚未提交{year}年度述职报告，请在年底前登录平台提交。"),
    ("township", "year"),
    description=_("年度述职提醒"),
)
