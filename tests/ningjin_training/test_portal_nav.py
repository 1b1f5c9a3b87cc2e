"""The main navigation is kept per set of visible links: each viewer still sees their own links."""

from django.conf import settings
from django.urls import reverse

from ningjin_training.templatetags import portal_nav
from tests.factories import make_user
from trainees.scoping import Role


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
    # API tokens are for the staff who run another system against the portal.
    assert "接口令牌" in county_home and "接口令牌" not in trainee and "接口令牌" not in auditor
    client.force_login(cast.users["secadmin"])
    secadmin = nav(client.get(reverse("home")).text)
    assert "后台管理" in secadmin and "审计日志" not in secadmin and "党员名册" not in secadmin


def test_the_navigation_follows_the_language_switch(cast, client):
    client.force_login(cast.users["auditor"])
    assert "审计日志" in nav(client.get(reverse("home")).text)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = nav(client.get(reverse("home")).text)
    assert "审计日志" not in english and "Audit Log" in english


def test_a_link_added_later_for_one_user_is_never_shown_to_another(cast, client, monkeypatch):
    """Two county staff with the same role, staff flag and language: a per-user link (say, their
    own inbox named after them) must not reach the other through the kept navigation."""
    plain_items = portal_nav.nav_items

    def with_a_personal_link(user, role, **kwargs):
        return (*plain_items(user, role, **kwargs), portal_nav.Link(user.username, "notifications:inbox"))

    monkeypatch.setattr(portal_nav, "nav_items", with_a_personal_link)
    colleague = make_user(Role.COUNTY, username="county_colleague", is_staff=True)
    pages = {}
    for user in (cast.users["county"], colleague, cast.users["county"]):
        client.force_login(user)
        pages[user.username] = nav(client.get(reverse("courses:session-list")).text)
    assert ">county<" in pages["county"] and ">county_colleague<" not in pages["county"]
    assert ">county_colleague<" in pages["county_colleague"] and ">county<" not in pages["county_colleague"]


def test_viewers_with_different_links_never_share_a_kept_navigation(cast, rf):
    """The kept HTML is keyed by the links themselves: different links, different entries."""
    portal_nav.render_nav.cache_clear()
    drawn = {}
    for name in ("county", "township_a", "township_b", "trainee", "township_a"):
        user = cast.users[name]
        items = portal_nav.nav_items(user, Role(user.portal_profile.role), at_home=False)
        drawn[name] = (items, portal_nav.render_nav(items, "zh-hans", "/"))
    assert portal_nav.render_nav.cache_info().currsize == 4  # township_a's second visit reused its own
    assert len({html for _, html in drawn.values()}) == 4
    loop_b = reverse("evaluations:township-loop", args=[cast.township_b.pk])
    assert loop_b in drawn["township_b"][1] and loop_b not in drawn["township_a"][1]
