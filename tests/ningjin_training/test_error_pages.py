"""Error pages in Chinese in the portal's layout; the 500 page renders with no database."""

import pytest
from django.test import RequestFactory
from django.views import defaults

urls = pytest.mark.urls("tests.error_urls")


@pytest.fixture
def anonymous(client):
    client.raise_request_exception = False
    return client


@urls
@pytest.mark.django_db
def test_a_crash_shows_the_portal_s_chinese_500_page(anonymous):
    response = anonymous.get("/broken/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "服务器出错" in page
    assert "portal-header" in page and "css/portal.css" in page


def test_the_500_page_renders_without_the_database_or_a_request():
    # No django_db mark: any query raises, so the page must need none.
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "服务器出错" in response.content.decode()


@urls
@pytest.mark.django_db
def test_a_malformed_request_shows_the_chinese_400_page(anonymous):
    response = anonymous.get("/bad/")

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    assert "portal-header" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_host_gets_the_chinese_400_page(anonymous):
    response = anonymous.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


@pytest.mark.django_db
def test_a_missing_page_is_the_chinese_404_in_the_layout(client_as):
    response = client_as("trainee").get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert "portal-navbar" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["foo:bar", "foo", "a b", "home", "https://evil.example/", "//evil.example"]
)
def test_the_text_size_switch_sends_a_bad_next_home_not_to_a_500(anonymous, target):
    response = anonymous.post("/text-size/", {"next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_text_size_switch_goes_back_to_the_page_it_came_from(anonymous):
    response = anonymous.post("/text-size/", {"next": "/courses/?month=3"})

    assert response.status_code == 302
    assert response["Location"] == "/courses/?month=3"
    assert response.cookies["text_size"].value == "large"
