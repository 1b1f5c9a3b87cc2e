"""Teaching routes: county staff build a route from ordered stops; everyone browses the list."""

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import RouteStop, TeachingRoute
from tests.factories_courses import RouteStopFactory, TeachingBaseFactory, TeachingRouteFactory

pytestmark = pytest.mark.django_db


def _post_data(stops, *, initial=0, **route):
    """The route form plus the stops formset (prefix "stops"), one dict per row."""
    data = {
        "name": "红色教育精品线",
        "theme": "传承三扛精神",
        "description": "教导旅旧址—纪念馆",
        "is_premium": "on",
        "stops-TOTAL_FORMS": str(len(stops)),
        "stops-INITIAL_FORMS": str(initial),
        "stops-MIN_NUM_FORMS": "0",
        "stops-MAX_NUM_FORMS": "1000",
    }
    data.update(route)
    for i, stop in enumerate(stops):
        for key, value in stop.items():
            data[f"stops-{i}-{key}"] = value
    return data


def _stop(base, order, hours="1.5", note=""):
    return {"order": str(order), "base": str(base.pk), "duration_hours": hours, "note": note}


BLANK = {"order": "", "base": "", "duration_hours": "", "note": ""}


def test_county_staff_create_a_premium_route_with_ordered_stops(client_as):
    first, second = TeachingBaseFactory(name="教导旅旧址"), TeachingBaseFactory(name="纪念馆")
    response = client_as("county").post(
        reverse("courses:route-create"),
        _post_data([_stop(second, 2, "2.0"), _stop(first, 1, "1.5", "现场讲解"), BLANK]),
    )
    route = TeachingRoute.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "courses:route-detail", args=[route.pk]
    )
    assert route.is_premium and route.theme == "传承三扛精神"
    assert list(route.stops.values_list("base__name", "order", "note")) == [
        ("教导旅旧址", 1, "现场讲解"),
        ("纪念馆", 2, ""),
    ]
    page = client_as("county").get(reverse("courses:route-detail", args=[route.pk])).text
    assert "共 3.5 学时" in page


def test_editing_swaps_orders_and_deletes_a_stop_without_tripping_the_unique_order(client_as):
    route = TeachingRouteFactory(name="旧线路")
    a = RouteStopFactory(route=route, order=1, base__name="甲基地")
    b = RouteStopFactory(route=route, order=2, base__name="乙基地")
    c = RouteStopFactory(route=route, order=3, base__name="丙基地")
    client = client_as("county")
    form = client.get(reverse("courses:route-edit", args=[route.pk])).text
    assert "甲基地" in form and "共 4.5 学时" in form
    rows = [_stop(a.base, 2), _stop(b.base, 1), {**_stop(c.base, 3), "DELETE": "on"}, BLANK]
    response = client.post(
        reverse("courses:route-edit", args=[route.pk]), _post_data(rows, initial=3, name="新线路")
    )
    assert response.status_code == 302
    route.refresh_from_db()
    assert route.name == "新线路"
    assert list(route.stops.values_list("base__name", flat=True)) == ["乙基地", "甲基地"]
    assert route.total_hours == Decimal("3.0")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("blank", "至少需要一个站点"),
        ("duplicate", "站点顺序不能重复：2"),
        ("zero", "学时须大于 0"),
        ("negative", "学时须大于 0"),
    ],
)
def test_a_route_without_stops_with_duplicate_orders_or_no_hours_is_refused(client_as, rows, message):
    one, two = TeachingBaseFactory(), TeachingBaseFactory()
    rows = {
        "blank": [BLANK, BLANK],
        "duplicate": [_stop(one, 2), _stop(two, 2)],
        "zero": [_stop(one, 1, "0")],
        "negative": [_stop(one, 1, "-1")],
    }[rows]
    response = client_as("county").post(reverse("courses:route-create"), _post_data(rows))
    assert response.status_code == 200
    assert message in response.text
    assert not TeachingRoute.objects.exists() and not RouteStop.objects.exists()


def test_deleting_every_stop_of_a_route_is_refused(client_as):
    stop = RouteStopFactory()
    response = client_as("county").post(
        reverse("courses:route-edit", args=[stop.route_id]),
        _post_data([{**_stop(stop.base, 1), "DELETE": "on"}], initial=1),
    )
    assert "至少需要一个站点" in response.text
    assert RouteStop.objects.filter(pk=stop.pk).exists()


@pytest.mark.parametrize("role", ["township_a", "instructor", "trainee"])
def test_only_county_staff_edit_routes(client_as, role):
    stop = RouteStopFactory()
    client = client_as(role)
    assert client.get(reverse("courses:route-create")).status_code == 403
    assert client.post(reverse("courses:route-edit", args=[stop.route_id]), _post_data([])).status_code == 403
    assert TeachingRoute.objects.get().name == stop.route.name


def test_the_route_list_shows_stops_and_totals_and_filters_premium(client_as):
    premium = TeachingRouteFactory(name="精品线", is_premium=True)
    RouteStopFactory(route=premium, order=1, base__name="第一站", duration_hours=Decimal("1.0"))
    RouteStopFactory(route=premium, order=2, base__name="第二站", duration_hours=Decimal("2.5"))
    TeachingRouteFactory(name="普通线")
    client = client_as("trainee")
    catalog = client.get(reverse("courses:course-list")).text
    assert reverse("courses:route-list") in catalog
    page = client.get(reverse("courses:route-list")).text
    assert "精品线" in page and "普通线" in page and "3.5" in page
    assert page.index("第一站") < page.index("第二站")
    assert reverse("courses:route-create") not in page
    only_premium = client.get(reverse("courses:route-list"), {"premium": "1"}).text
    assert "精品线" in only_premium and "普通线" not in only_premium
    assert reverse("courses:route-create") in client_as("county").get(reverse("courses:route-list")).text
