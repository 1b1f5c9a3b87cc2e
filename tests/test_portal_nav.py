"""The main navigation is kept per kind of viewer: each still sees their own links."""

from django.conf import settings
from django.urls import reverse


def nav(html: str) -> str:
    return html[html.index('id="portal-nav"') : html.index("</nav>")]


def test_each_township_admin_gets_the_loop_link_of_their_own_township(cast, client):
    pages = {}
    for name in ("township_a", "township_b", "township_a"):
        client.force_login(cast.users[name])
        pages[name] = nav(client.get(reverse("courses:session-list")).text)
    assert reverse("evaluations:township-loop", args=[cast.township_a.pk]) in pages["township_a"]
    assert reverse("evaluations:township-loop", args=[cast.township_b.pk]) in pages["township_b"]
    assert reverse("evaluations:township-loop", args=[cast.township_b.pk]) not in pages["township_a"]


def test_roles_see_their_own_menus_and_the_home_link_is_marked_only_at_home(cast, client):
    client.force_login(cast.users["trainee"])
    trainee = nav(client.get(reverse("courses:my-schedule")).text)
    assert "我的培训" in trainee and "审计日志" not in trainee and 'aria-current="page"' not in trainee
    client.force_login(cast.users["county"])
    county_home = nav(client.get(reverse("home")).text)
    assert "提醒记录" in county_home and "我的培训" not in county_home
    assert 'aria-current="page"' in county_home
    # The audit log and the admin belong to the separated duties (三员分立), not to county staff.
    assert "审计日志" not in county_home and "后台管理" not in county_home
    client.force_login(cast.users["auditor"])
    auditor = nav(client.get(reverse("home")).text)
    assert "审计日志" in auditor and "后台管理" not in auditor and "党员名册" not in auditor
    client.force_login(cast.users["secadmin"])
    secadmin = nav(client.get(reverse("home")).text)
    assert "后台管理" in secadmin and "审计日志" not in secadmin and "党员名册" not in secadmin


def test_the_navigation_follows_the_language_switch(cast, client):
    client.force_login(cast.users["auditor"])
    assert "审计日志" in nav(client.get(reverse("home")).text)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = nav(client.get(reverse("home")).text)
    assert "审计日志" not in english and "Audit Log" in english
