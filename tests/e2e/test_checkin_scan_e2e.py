"""A member on a 360 px phone checks in by scanning the projected QR with the phone's camera.

Chromium's fake camera plays a video of the projector's QR (written here as a .y4m from the
QR's modules), so the page's own scanner (BarcodeDetector or the vendored jsQR) decodes it.
"""

import datetime

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses.cycle.services import checkin_token
from courses.models import Attendance, Enrollment, Session
from trainees.models import Member

from .conftest import CHROMIUM, DEMO_PASSWORD, PHONE, check_page

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 640, 480


def write_y4m(path, text: str, frames: int = 10) -> None:
    """A still video of the QR of ``text``, black modules on white, centred (4:2:0, grey chroma)."""
    qr = segno.make(text, error="m")
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    scale = min(WIDTH, HEIGHT) // len(rows)
    size = scale * len(rows)
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y in range(size):
        row = rows[y // scale]
        line = bytes(0 if row[x // scale] else 255 for x in range(size))
        start = (top + y) * WIDTH + left
        luma[start : start + size] = line
    chroma = b"\x80" * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@pytest.fixture
def projected_session(demo):
    member = Member.objects.get(user__username="trainee")
    start = timezone.now() + datetime.timedelta(minutes=5)
    session = Session.objects.create(
        title="扫码签到测试：基层治理",
        township=member.branch.township,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        hours="2.0",
        status=Session.Status.PUBLISHED,
    )
    Enrollment.objects.create(session=session, member=member, status=Enrollment.Status.ENROLLED)
    return session, member


def test_a_member_scans_the_projected_qr_from_the_home_button_to_checked_in(
    live_server, projected_session, tmp_path, playwright
):
    session, member = projected_session
    path = reverse("courses:session-checkin", args=[session.pk])
    link = f"{live_server.url}{path}?code={checkin_token(session)}"  # what the projector shows
    video = tmp_path / "projector-qr.y4m"
    write_y4m(video, link)

    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            base_url=live_server.url,
        )
        context.grant_permissions(["camera"], origin=live_server.url)
        phone = context.new_page()
        phone.set_default_timeout(20000)
        phone.goto("/accounts/login/")
        phone.fill("#login-form [name=login]", "trainee")
        phone.fill("#login-form [name=password]", DEMO_PASSWORD)
        phone.click("#login-form button[type=submit]")
        phone.wait_for_load_state()

        # First with the scanner script held back (as on a phone whose browser cannot scan):
        # the page still explains how to scan, and passes the accessibility checks.
        phone.route("**/js/checkin_scan.js", lambda route: route.abort())
        phone.get_by_role("link", name="我的培训（报名、签到）").click()
        card = phone.locator(".card", has_text="扫码签到测试：基层治理")
        card.get_by_role("link", name="签到（请扫描现场二维码）").click()
        expect(phone.locator("#checkin-scan")).to_be_visible()
        expect(phone.locator("#scan-help")).to_contain_text("打开手机自带的相机")
        check_page(phone, "checkin-scan-phone")

        # Now the scanner decodes the camera picture and opens the scanned check-in link.
        phone.unroute("**/js/checkin_scan.js")
        phone.reload()
        phone.wait_for_url(f"**{path}?code=*")
        check_page(phone, "checkin-scanned-phone")
        phone.locator("#checkin-button").click()
        expect(phone.locator("#checkin-result")).to_contain_text("签到成功")
        attendance = Attendance.objects.get(session=session, member=member)
        assert attendance.method == Attendance.Method.QR

        # The same link again: already checked in, nothing to confirm.
        phone.goto(link)
        expect(phone.locator("#checkin-result")).to_contain_text("您已签到")
        expect(phone.locator("#checkin-button")).to_have_count(0)
    finally:
        browser.close()
