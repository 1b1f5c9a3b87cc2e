import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from ningjin_training.celery import app as celery_app
from trainees.models import Branch, Member, MemberGroup, Profile, Township

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    payload = json.loads(response.content)
    assert payload["database"] == "ok"
    assert "broker" in payload


def test_healthz_reports_a_broker_that_is_down_without_failing(client, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment ahead of its own config.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    payload = json.loads(response.content)
    assert payload["database"] == "ok"
    assert payload["broker"].startswith("error")


def test_healthz_names_a_cache_that_is_down_and_the_dashboard_still_answers(client, client_as, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    payload = client.get("/healthz").json()
    assert payload["status"] == "degraded"
    assert payload["cache"].startswith("error") and "cache" in payload["degraded"]
    assert payload["database"] == "ok"
    assert client_as("county").get(reverse("home")).status_code == 200


def test_seed_demo_twice_creates_nothing_new(capsys):
    call_command("seed_demo", members=80)
    counts = [m.objects.count() for m in (Township, Branch, Member, MemberGroup, Profile)]
    call_command("seed_demo", members=80)
    assert [m.objects.count() for m in (Township, Branch, Member, MemberGroup, Profile)] == counts
    assert Township.objects.count() == 12
    assert Member.objects.count() == 80
    assert Member.objects.get(user__username="trainee").branch.township.code == "371422001"
    out = capsys.readouterr().out
    for username in ("county", "township1", "township2", "instructor", "trainee"):
        assert username in out


def test_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-Hans"' in response.text
    assert "登录月训工程平台" in response.text


def test_the_language_switch_gives_english(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/accounts/login/"}, follow=True
    )
    assert '<html lang="en"' in response.text
    assert "Sign in to the monthly training portal" in response.text


def test_the_larger_text_switch_is_remembered(client):
    client.post(reverse("text-size"), {"next": "/accounts/login/"})
    assert 'class="text-large"' in client.get(reverse("login")).text
    client.post(reverse("text-size"), {"next": "/accounts/login/"})
    assert 'class="text-large"' not in client.get(reverse("login")).text


@pytest.mark.parametrize(
    ("role", "text"),
    [
        ("county", "县级工作台"),
        ("township_a", "甲镇党校"),
        ("instructor", "教师工作台"),
        ("trainee", "学员本人"),
    ],
)
def test_each_role_gets_its_own_dashboard(cast, client_as, role, text):
    response = client_as(role).get(reverse("home"))
    assert response.status_code == 200
    assert text in response.text


def test_county_dashboard_counts_members_by_township_from_the_database(cast, client_as):
    response = client_as("county").get(reverse("home"))
    townships = {t.name: t.member_count for t in response.context["townships"]}
    assert townships["甲镇"] == 2
    assert townships["乙镇"] == 1
    assert response.context["member_total"] == 3


def test_seed_demo_small_scale_is_one_township_with_two_branches():
    call_command("seed_demo", scale="small")
    assert Member.objects.count() == 50
    assert Branch.objects.count() == 2
    assert Branch.objects.values("township").distinct().count() == 1
