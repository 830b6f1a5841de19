"""The web pages through Django's test client: filters, pagination, order/rate/dismiss, clicks,
impressions, the persona switch, escaping and the security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.query_text import MAX_QUERY_LENGTH
from foodapp.interactions.services import event_record
from foodapp.web.forms import ERROR_NOT_A_PERSONA
from foodapp.web.selectors import ATTRIBUTION_WINDOW
from tests.foodapp.catalog.factories import CuisineFactory, DishFactory
from tests.foodapp.people.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def names_in(html: str) -> list[str]:
    """Dish names linked from a dish list or a suggestion list, in page order."""
    return re.findall(r'<a href="/dishes/[^"/]+/"[^>]*>([^<]+)</a>', html)


def card_links(html: str) -> dict[str, tuple[str, str, str]]:
    """Each suggestion card's dish name -> (link, dish id, origin) as the page renders them."""
    found = re.findall(
        r'<a href="([^"]+)" data-click-dish="(\d+)" data-click-origin="([^"]*)">([^<]+)</a>', html
    )
    return {name: (href, dish, unescape(origin)) for href, dish, origin, name in found}


@pytest.fixture
def person(client: Client) -> object:
    user = ProfileFactory().user
    client.force_login(user)
    return user


# --- Dishes: filters, pagination, htmx -------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cuisine": "italian"}, {"Margherita Pizza", "Spaghetti Carbonara", "Lasagna"}),
        ({"course": "dessert"}, {"Tiramisu", "Chocolate Cake", "Mango Sorbet"}),
        ({"diet": "vegan", "course": "main"}, {"Bean Burrito", "Chana Masala"}),
        ({"max_price": "4", "course": "drink"}, {"Hot Latte with Whole Milk", "Espresso"}),
        ({"spice": "0", "cuisine": "mexican"}, set()),
        ({"spice": "2", "cuisine": "mexican"}, {"Shrimp Tacos", "Beef Tacos", "Bean Burrito"}),
    ],
)
def test_dish_filters(client, catalogue_in_db, params, expected):
    response = client.get("/dishes/", params)
    assert response.status_code == 200
    shown = set(names_in(response.content.decode()))
    if params.get("cuisine") == "italian":
        assert expected <= shown and "Fried Chicken" not in shown
    else:
        assert shown == expected


@pytest.mark.parametrize(
    "params",
    [
        {"cuisine": "no-such-cuisine"},
        {"course": "brunch"},
        {"diet": "carnivore"},
        {"max_price": "cheap"},
        {"max_price": "-3"},
        {"max_price": "1e999"},
        {"spice": "9"},
        {"q": "x" * 500},
        {"page": "abc"},
        {"page": "99999"},
    ],
)
def test_bad_filter_values_answer_the_form_errors_not_500(client, catalogue_in_db, params):
    response = client.get("/dishes/", params)
    assert response.status_code == 200
    body = response.content.decode()
    if "page" not in params:
        assert 'role="alert"' in body and "Please check the filters" in body


def test_the_dish_list_is_paginated_and_answers_htmx_with_the_results_only(client):
    italian = CuisineFactory(name="Italian", slug="italian")
    for number in range(30):
        DishFactory(name=f"Pasta {number:02d}", cuisine=italian)
    first = client.get("/dishes/", {"cuisine": "italian"}).content.decode()
    second = client.get("/dishes/", {"cuisine": "italian", "page": "2"}).content.decode()
    assert len(names_in(first)) == 24 and len(names_in(second)) == 6
    assert not set(names_in(first)) & set(names_in(second))
    assert "page=2" in first and "cuisine=italian&amp;page=2" in first  # filters kept
    partial = client.get("/dishes/", {"cuisine": "italian"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "<html" not in html and len(names_in(html)) == 24


def test_every_filter_has_a_label(client, catalogue_in_db):
    html = client.get("/dishes/").content.decode()
    labels = re.findall(r'<label for="id_[a-z_]+">([^<]+)</label>', html)
    assert labels == ["Name or words", "Cuisine", "Course", "Diet", "Price up to ($)", "Spice"]


def test_the_v1_words_box_still_searches_the_list(client, catalogue_in_db):
    html = client.get("/dishes/", {"q": "fried chicken"}).content.decode()
    assert names_in(html)[:1] == ["Fried Chicken"] and "Chicken Fried Rice" in names_in(html)


# --- Dish page, search, home ------------------------------------------------------------------


def test_a_dish_page_shows_similar_but_different_dishes_and_logs_their_impressions(
    client, catalogue_in_db, person, models_dir
):
    dish = Dish.objects.get(name="Margherita Pizza")
    html = client.get(f"/dishes/{dish.slug}/").content.decode()
    assert "Similar, but different" in html
    similar = names_in(html)
    assert similar and "Margherita Pizza" not in similar
    shown = Event.objects.filter(user=person, event_type=EventType.IMPRESSION)
    assert shown.count() == len(similar)
    assert set(shown.values_list("ranker", flat=True)) == {"v1"}  # no model trained here


def test_a_dish_newer_than_the_catalogue_snapshot_still_has_its_page(client, catalogue_in_db):
    assert client.get("/dishes/lasagna/").status_code == 200  # the snapshot is built
    DishFactory(name="Brand New Dish", slug="brand-new")
    response = client.get("/dishes/brand-new/")  # within the snapshot's 5 s
    assert response.status_code == 200 and "Brand New Dish" in response.content.decode()
    assert "Similar, but different" not in response.content.decode()


def test_search_ranks_explains_logs_and_compares_with_v1(client, catalogue_in_db, person):
    response = client.get("/search/", {"q": "Fried  CHICKEN!", "compare": "v1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Results for “fried chicken”" in html
    assert "What v1 naive matching would have returned" in html
    assert "Why this?" in html
    assert Event.objects.filter(user=person, event_type=EventType.SEARCH).count() == 1
    impressions = Event.objects.filter(user=person, event_type=EventType.IMPRESSION)
    assert impressions.count() == len(names_in(html))
    assert set(impressions.values_list("query", flat=True)) == {"fried chicken"}
    partial = client.get("/search/", {"q": "fried chicken"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "What v1 naive" not in partial.content.decode()


def test_a_guest_gets_popular_varied_suggestions_logged_under_one_visit(client, catalogue_in_db):
    html = client.get("/").content.decode()
    assert "Popular and varied" in html and names_in(html)
    assert "Not for me" not in html  # actions only for a signed-in person
    visit = client.session.session_key
    assert visit  # the first page gave the guest a session (and its cookie)
    shown = Event.objects.filter(event_type=EventType.IMPRESSION)
    assert shown.count() == len(names_in(html))
    assert set(shown.values_list("user_id", "session_id", "ranker")) == {(None, visit, "v1")}
    search = client.get("/search/", {"q": "tacos"}).content.decode()
    client.get("/dishes/lasagna/")
    assert client.session.session_key == visit
    assert set(Event.objects.values_list("user_id", "session_id")) == {(None, visit)}
    assert shown.filter(query="tacos").count() == len(names_in(search))
    assert not Event.objects.filter(event_type=EventType.SEARCH).exists()  # searches: people's
    other = Client()
    other.get("/")
    assert other.session.session_key not in ("", None, visit)


def test_a_sign_up_with_favourite_cuisines_gets_them_on_the_first_page(client, catalogue_in_db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
            "favourite_cuisines": ["indian"],
            "diet": ["vegetarian"],
        },
    )
    assert response.status_code == 302
    html = Client.get(client, "/").content.decode()
    assert "Because you like Indian food" in html
    row = html[html.index("Because you like Indian food") :]
    assert names_in(row) and set(names_in(row)) <= {"Chana Masala", "Palak Paneer"}


# --- Order, rate, dismiss, click ----------------------------------------------------------------


def test_an_order_is_logged_with_its_origin_and_changes_the_next_suggestions(
    client, catalogue_in_db, person
):
    before = client.get("/").content.decode()
    assert "Because you ordered" not in before
    dish = Dish.objects.get(name=names_in(before)[1])
    shown = Event.objects.filter(user=person, event_type=EventType.IMPRESSION, dish=dish)
    impression = shown.order_by("-occurred_at", "-id").first()
    response = client.post(
        "/order/",
        {
            "dish": dish.pk,
            # Forged: no impression of the dish says so. The logged one (v1, no model) counts.
            "ranker": "v4",
            "model_version": "food_wide_deep:3",
            "position": "7",
            "q": "italian food",
            "next": "/search/?q=italian",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/search/?q=italian"
    event = Event.objects.get(user=person, event_type=EventType.ORDER)
    assert (event.dish_id, event.ranker, event.model_version, event.position, event.query) == (
        dish.pk,
        "v1",
        None,
        impression.position,
        "",
    )
    after = client.get("/").content.decode()
    assert f"Because you ordered {dish.name}" in after
    history = client.get("/history/").content.decode()
    assert dish.name in history and "ordered" in history


def shown_to(user, dish, *, ago: timedelta, session: str = "", **origin) -> None:
    """Log an impression of `dish` by `user` (None: a guest's visit `session`) `ago` ago."""
    event_record(
        user_id=user.pk if user is not None else None,
        event_type=EventType.IMPRESSION,
        dish_id=dish.pk,
        occurred_at=timezone.now() - ago,
        session_id=session,
        **origin,
    )


FORGED = {"ranker": "v4", "model_version": "food_wide_deep:3", "position": "0", "q": "pizza"}


def test_an_action_without_an_impression_behind_it_credits_no_ranker(
    client, catalogue_in_db, person
):
    dish, other = Dish.objects.get(name="Lasagna"), UserFactory()
    client.get("/")  # the browser session exists
    shown_to(other, dish, ago=timedelta(minutes=1), ranker="v2", position=1)
    shown_to(None, dish, ago=timedelta(minutes=1), session=client.session.session_key, ranker="v2")
    shown_to(person, dish, ago=ATTRIBUTION_WINDOW + timedelta(minutes=1), ranker="v2")
    for url in ("/order/", "/dismiss/", "/rate/"):
        assert client.post(url, {"dish": dish.pk, "rating": "4", **FORGED}).status_code == 302
    stored = Event.objects.filter(user=person, dish=dish).exclude(event_type=EventType.IMPRESSION)
    assert stored.count() == 3
    assert set(stored.values_list("ranker", "model_version", "position", "query")) == {
        (None, None, None, "")
    }


def test_the_posted_origin_chooses_among_the_impressions_of_the_dish(
    client, catalogue_in_db, person
):
    dish = Dish.objects.get(name="Lasagna")
    shown_to(person, dish, ago=timedelta(minutes=2), ranker="v1", position=3)
    shown_to(
        person,
        dish,
        ago=timedelta(minutes=1),
        ranker="v4",
        model_version="food_wide_deep:3",
        position=0,
        query="pizza",
    )
    claims = (
        {"ranker": "v1", "position": "3"},  # the older impression: it backs the claim
        FORGED,  # the newer one, exactly
        {},  # nothing claimed: the newest
        {"ranker": "v2", "position": "3"},  # no impression says so: the newest
    )
    for claim in claims:
        client.post("/order/", {"dish": dish.pk, **claim})
    orders = Event.objects.filter(user=person, event_type=EventType.ORDER).order_by("id")
    newest = ("v4", "food_wide_deep:3", 0, "pizza")
    assert list(orders.values_list("ranker", "model_version", "position", "query")) == [
        ("v1", None, 3, ""),
        newest,
        newest,
        newest,
    ]


def test_an_order_to_another_site_returns_to_the_dish_page(client, catalogue_in_db, person):
    dish = Dish.objects.get(name="Lasagna")
    response = client.post("/order/", {"dish": dish.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("catalog:dish-detail", args=[dish.slug])


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/order/", {}, "This field is required"),
        ("/order/", {"dish": "999999"}, "That dish does not exist"),
        ("/order/", {"dish": "abc"}, "That dish does not exist"),
        ("/dismiss/", {"dish": ""}, "This field is required"),
        ("/rate/", {"dish": "DISH", "rating": "7"}, "A rating is a whole number from 1 to 5"),
        ("/rate/", {"dish": "DISH", "rating": "3.5"}, "A rating is a whole number from 1 to 5"),
        ("/rate/", {"dish": "DISH"}, "This field is required"),
    ],
)
def test_bad_posts_answer_400_with_the_form_error_and_store_nothing(
    client, catalogue_in_db, person, url, data, message
):
    dish = Dish.objects.first()
    data = {key: str(dish.pk) if value == "DISH" else value for key, value in data.items()}
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_bad_origin_values_are_dropped_not_stored(client, catalogue_in_db, person):
    dish = Dish.objects.first()
    client.post(
        "/order/", {"dish": dish.pk, "ranker": "v9", "position": "-1", "model_version": "x"}
    )
    event = Event.objects.get(event_type=EventType.ORDER)
    assert (event.ranker, event.position, event.model_version) == (None, None, None)


def test_a_rating_is_logged_and_shown_on_the_dish_page(client, catalogue_in_db, person):
    dish = Dish.objects.get(name="Tiramisu")
    assert client.post("/rate/", {"dish": dish.pk, "rating": "4"}).status_code == 302
    event = Event.objects.get(user=person, event_type=EventType.RATING)
    assert event.value == 4.0
    assert "now 4 of 5" in client.get(f"/dishes/{dish.slug}/").content.decode()


def test_a_dismissed_dish_is_never_suggested_again(client, catalogue_in_db, person):
    first = names_in(client.get("/").content.decode())[0]
    dish = Dish.objects.get(name=first)
    assert client.post("/dismiss/", {"dish": dish.pk, "ranker": "v1"}).status_code == 302
    event = Event.objects.get(user=person, event_type=EventType.DISMISS)
    assert event.value < 0 and event.ranker == "v1"
    for url in ("/", f"/search/?q={first}", "/dishes/lasagna/"):
        assert first not in names_in(client.get(url).content.decode()), url
    assert "not for me" in client.get("/history/").content.decode()


def test_a_dismissal_sent_by_htmx_answers_the_card_that_replaces_it(
    client, catalogue_in_db, person
):
    dish = Dish.objects.get(name="Espresso")
    response = client.post("/dismiss/", {"dish": dish.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.strip().startswith(
        '<li class="dish-card dismissed"'
    )
    assert "Espresso: not for you." in html
    assert Event.objects.filter(user=person, event_type=EventType.DISMISS, dish=dish).exists()
    home = client.get("/").content.decode()
    assert 'hx-target="closest li"' in home and "Espresso" not in names_in(home)


def test_orders_need_a_signed_in_person_and_a_post(client, catalogue_in_db):
    dish = Dish.objects.first()
    response = client.post("/order/", {"dish": dish.pk})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/history/").status_code == 302
    ProfileFactory(user__username="someone")
    client.force_login(get_user_model().objects.get(username="someone"))
    assert client.get("/order/").status_code == 405
    assert not Event.objects.exists()


def test_every_form_needs_its_csrf_token(catalogue_in_db):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ProfileFactory().user)
    dish = Dish.objects.first()
    for url in ("/order/", "/rate/", "/dismiss/", "/personas/", "/clicks/"):
        assert strict.post(url, {"dish": dish.pk, "rating": "3"}).status_code == 403, url
    assert not Event.objects.exists()
    page = strict.get(f"/dishes/{dish.slug}/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # log out, order, rate


def test_a_click_is_posted_answered_204_and_logged_with_the_impression_behind_it(
    client, catalogue_in_db, person
):
    dish = Dish.objects.get(name="Espresso")
    shown_to(person, dish, ago=timedelta(seconds=5), ranker="v2", position=4, query="coffee")
    claim = {"ranker": "v2", "position": "4", "q": "coffee"}
    response = client.post("/clicks/", {"dish": dish.pk, **claim})
    assert response.status_code == 204 and not response.content
    click = Event.objects.get(event_type=EventType.CLICK)
    assert (click.user_id, click.dish_id, click.ranker, click.position, click.query) == (
        person.pk,
        dish.pk,
        "v2",
        4,
        "coffee",
    )
    assert click.session_id == client.session.session_key
    assert client.get("/clicks/").status_code == 405


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "dish", "This field is required"),
        ({"dish": "999999"}, "dish", "That dish does not exist"),
        ({"dish": "DISH", "position": "-1"}, "position", "greater than or equal to 0"),
        ({"dish": "DISH", "position": "first"}, "position", "Enter a whole number"),
        ({"dish": "DISH", "ranker": "v9"}, "ranker", "ranker: one of v1, "),
        ({"dish": "DISH", "model_version": "latest"}, "model_version", "<model>:<number>"),
        ({"dish": "DISH", "q": "x" * 300}, "q", f"at most {MAX_QUERY_LENGTH} characters"),
    ],
)
def test_a_bad_click_answers_400_saying_what_was_wrong_and_stores_nothing(
    client, catalogue_in_db, data, field, message
):
    dish = Dish.objects.first()
    data = {key: str(dish.pk) if value == "DISH" else value for key, value in data.items()}
    response = client.post("/clicks/", data)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert list(errors) == [field] and message in errors[field][0]["message"]
    assert not Event.objects.filter(event_type=EventType.CLICK).exists()


def test_a_guests_click_is_logged_under_their_visit(client, catalogue_in_db):
    html = client.get("/").content.decode()
    href, dish_id, origin = next(iter(card_links(html).values()))
    assert client.post("/clicks/", {"dish": dish_id, **dict(parse_qsl(origin))}).status_code == 204
    click = Event.objects.get(event_type=EventType.CLICK)
    impression = Event.objects.get(event_type=EventType.IMPRESSION, dish_id=dish_id)
    assert click.user_id is None and click.session_id == client.session.session_key
    assert (click.ranker, click.position) == ("v1", impression.position)
    assert client.get(href).status_code == 200


def test_card_links_go_straight_to_the_dish_and_the_old_click_link_logs_nothing(
    client, catalogue_in_db, person
):
    html = client.get("/").content.decode()
    links = card_links(html)
    assert links and 'data-click-url="/clicks/"' in html and 'data-csrf-token="' in html
    for name, (href, _, origin) in links.items():
        assert href == reverse("catalog:dish-detail", args=[Dish.objects.get(name=name).slug])
        assert dict(parse_qsl(origin))["ranker"] == "v1"
    dish = Dish.objects.get(name="Espresso")
    response = client.get(f"/go/{dish.pk}/", {"ranker": "v1", "position": "0"})
    assert response.status_code == 302 and response["Location"] == f"/dishes/{dish.slug}/"
    assert not Event.objects.filter(event_type=EventType.CLICK).exists()
    assert client.get("/go/999999/").status_code == 404


def test_the_home_page_logs_impressions_for_a_signed_in_person(client, catalogue_in_db, person):
    html = client.get("/").content.decode()
    shown = names_in(html)
    impressions = Event.objects.filter(user=person, event_type=EventType.IMPRESSION)
    assert impressions.count() == len(shown) > 0
    assert sorted(impressions.values_list("position", flat=True))[:2] == [0, 1]
    assert 'data-click-origin="ranker=v1' in html  # clicks carry the origin too


# --- Personas ---------------------------------------------------------------------------------


def test_the_persona_switch_signs_in_simulated_people_only(client, catalogue_in_db):
    simulated = ProfileFactory(attributes={"simulated": True})
    real = ProfileFactory()
    staff = ProfileFactory(attributes={"simulated": True}, user__is_staff=True)
    page = client.get("/personas/").content.decode()
    assert "This is a demo." in page
    assert f'value="{simulated.pk}"' in page and f'value="{real.pk}"' not in page
    assert f'value="{staff.pk}"' not in page
    for refused in (real, staff):
        response = client.post("/personas/", {"profile": refused.pk})
        assert response.status_code == 400 and ERROR_NOT_A_PERSONA in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert client.post("/personas/", {"profile": "abc"}).status_code == 400
    response = client.post("/personas/", {"profile": simulated.pk})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(simulated.user.pk)


# --- Escaping, no inline script ------------------------------------------------------------


def test_people_text_is_escaped_everywhere(client, catalogue_in_db, person):
    evil = DishFactory(name="<script>alert(1)</script> Fried Chicken", slug="evil")
    pages = [
        client.get("/dishes/").content.decode(),
        client.get("/dishes/evil/").content.decode(),
        client.get("/search/", {"q": "<script>alert(2)</script> chicken"}).content.decode(),
    ]
    client.post("/order/", {"dish": evil.pk})
    pages.append(client.get("/history/").content.decode())
    for html in pages:
        assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Fried Chicken" in pages[1]
    assert "&lt;script&gt;alert(1)" in pages[3]


def test_no_page_has_an_inline_script(client, catalogue_in_db, person):
    pages = ("/", "/dishes/", "/search/?q=tacos", "/personas/", "/history/", "/storyline/")
    for url in (*pages, "/census/"):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert " onclick=" not in html and " style=" not in html, url
