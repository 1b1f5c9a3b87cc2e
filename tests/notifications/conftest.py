"""SMS gateway stand-ins for the notifications tests."""

from tests.notifications.sms_stubs import aliyun_stub, tencent_stub  # noqa: F401
