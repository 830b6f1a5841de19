"""What people do in the browser: search, order, dismiss, sign up, switch persona; staff retrain;
the census and storyline pages; and an accessibility check of every page."""

from __future__ import annotations

import os
import re
import time
import uuid

import pytest

from foodapp.interactions.models import Event, EventType
from foodapp.training.models import TrainingRun
from tests.browser.conftest import (
    STAFF_PASSWORD,
    STAFF_USERNAME,
    persona_become,
    serious_violations,
    snap,
)

pytestmark = pytest.mark.browser


def card_names(tab, section: str = ".suggestion-list") -> list[str]:
    """The dish names of the suggestion cards in the first matching section."""
    return tab.locator(section).first.locator(".dish-card-title").all_inner_texts()


def test_search_fried_chicken_shows_ranked_dishes_with_explanations(page):
    page.goto("/search/")
    page.get_by_label("What would you like to eat?").fill("fried chicken")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#list-main").locator("xpath=..")
    results.wait_for()
    assert "Ranked by v4 wide & deep (model food_wide_deep:1)" in results.inner_text()
    names = card_names(page)
    assert len(names) >= 5 and len(set(names)) == len(names)
    first = page.locator(".dish-card").first
    first.get_by_text("Why this?").click()
    explanation = first.locator("details").inner_text()
    assert re.search(r"wide -?\d+\.\d\d \+ deep -?\d+\.\d\d = logit -?\d+\.\d\d", explanation)
    assert re.search(r"memorized \(wide\)|generalized \(deep\)", explanation)
    snap(page, "search-fried-chicken")

    # The toggle brings v1 naive matching next to it (htmx swaps the results in place).
    page.get_by_label("Also show what v1 naive matching would have returned").check()
    page.get_by_role("button", name="Search").click()
    v1 = page.locator("#list-v1").locator("xpath=..")
    v1.wait_for()
    assert "Ranked by v1 naive matching." in v1.inner_text()
    assert "Chicken Fried Rice" in v1.inner_text()
    assert "compare=v1" in page.url

    # A guest's click: the link goes straight to the dish, the script posts the click.
    link = v1.locator(".dish-card-title a").nth(2)
    dish = link.inner_text()
    link.click()
    page.get_by_role("heading", level=1, name=dish).wait_for()
    assert re.search(r"/dishes/[^/]+/$", page.url)
    click = click_logged(dish)
    assert click.user_id is None and click.session_id
    assert (click.ranker, click.position, click.query) == ("v1", 2, "fried chicken")


def click_logged(dish: str, seconds: float = 10.0) -> Event:
    """The click on `dish` the page's beacon logged (it arrives a moment after the navigation)."""
    deadline = time.monotonic() + seconds
    while True:
        click = Event.objects.filter(event_type=EventType.CLICK, dish__name=dish).last()
        if click is not None or time.monotonic() > deadline:
            assert click is not None, f"no click on {dish} logged"
            return click
        time.sleep(0.1)


def home_lists(tab) -> dict[str, list[str]]:
    """The home page's suggestion lists: heading -> dish names."""
    return {
        section.locator("h2").inner_text(): section.locator(".dish-card-title").all_inner_texts()
        for section in tab.locator(".suggestion-list").all()
    }


def test_an_order_shows_in_the_history_and_changes_the_suggestions(page):
    persona_become(page, 0)
    before = home_lists(page)
    feed = before["For you"]
    dish = next(name for name in feed if f"Because you ordered {name}" not in before)
    page.locator(".dish-card", has_text=dish).first.get_by_role("link", name=dish).click()
    page.get_by_role("heading", level=1, name=dish).wait_for()
    page.get_by_role("button", name=f"Order {dish}").click()
    page.get_by_text(f"Ordered {dish} (a demo order: nothing to pay).").wait_for()

    page.get_by_role("link", name="My history").click()
    row = page.locator("table.history tbody tr").first
    assert "ordered" in row.inner_text() and dish in row.inner_text()
    snap(page, "order-history")

    page.get_by_role("link", name="For you").click()
    page.get_by_role("heading", name=f"Because you ordered {dish}").wait_for()
    after = home_lists(page)
    because = after[f"Because you ordered {dish}"]
    assert because and dish not in because
    assert after != before
    click = click_logged(dish)
    assert click.user_id is not None and click.ranker == "v4" and click.position == 0
    assert click.model_version == "food_wide_deep:1"


def test_a_dismissed_dish_is_never_suggested_again(page):
    persona_become(page, 1)
    dish = card_names(page)[0]
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name=f"Not for me: {dish}").first.click()
    page.get_by_role("status").filter(has_text=f"{dish}: not for you.").first.wait_for()
    assert page.evaluate("window.sameDocument === true")  # replaced in place by htmx
    assert (
        dish not in page.locator(".card-list").first.locator(".dish-card-title").all_inner_texts()
    )
    for url in ("/", f"/search/?q={dish}", "/search/?q=food"):
        page.goto(url)
        shown = page.locator(".dish-card-title").all_inner_texts()
        assert shown and dish not in shown, url
    stored = Event.objects.get(event_type=EventType.DISMISS)
    assert stored.value == -1.0 and stored.ranker == "v4"


def test_a_sign_up_with_favourite_cuisines_gets_them_at_once(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.locator("#id_username").fill(f"new-{uuid.uuid4().hex[:6]}")
    page.locator("#id_password1").fill("a long pass phrase 42")
    page.locator("#id_password2").fill("a long pass phrase 42")
    page.get_by_label("Indian").check()
    page.get_by_label("Mexican").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Because you like Indian food").wait_for()
    for cuisine in ("Indian", "Mexican"):
        section = page.locator(".suggestion-list", has_text=f"Because you like {cuisine} food")
        facts = section.locator(".facts").all_inner_texts()
        assert facts and all(text.startswith(cuisine) for text in facts), facts
    assert page.get_by_role("heading", name="For you").is_visible()


@pytest.mark.worker
@pytest.mark.slow
def test_a_staff_member_retrains_in_the_admin_and_sees_the_progress_reach_100(page, site, tmp_path):
    from tests.worker_process import celery_worker, database_url_for_workers, task_routed_to

    queue = f"training-browser-{uuid.uuid4().hex[:8]}"
    worker_env = {
        "DATABASE_URL": database_url_for_workers(),
        "TEST_MODELS_DIR": str(site.models_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    with (
        task_routed_to("foodapp.training.tasks.train_model", queue),
        celery_worker(queue=queue, env=worker_env, log_path=tmp_path / "worker.log"),
    ):
        page.goto("/admin/")
        page.get_by_label("Username").fill(STAFF_USERNAME)
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Training runs").click()
        page.get_by_role("link", name="Retrain census").click()
        page.get_by_label("Epochs").fill("1")
        page.get_by_label("Max rows").fill("1500")
        page.get_by_role("button", name="Queue the run").click()
        queued = page.get_by_text(re.compile(r"Queued census run #\d+")).first
        queued.wait_for()
        run_id = re.search(r"#(\d+)", queued.inner_text()).group(1)
        row = page.locator("tr", has=page.locator(f"[data-training-run='{run_id}']"))
        assert "census" in row.inner_text()
        done = row.locator("progress[value='100']").first
        done.wait_for(timeout=150_000)  # the page polls the status; no reload
        row.locator("[data-run-state]", has_text="Succeeded").wait_for(timeout=60_000)
        snap(page, "admin-retrain-100")
    assert (done.text_content() or "").strip() == "100%"
    assert TrainingRun.objects.get(pk=run_id).state == TrainingRun.State.SUCCEEDED


def test_the_census_form_answers_with_a_probability(page):
    page.goto("/census/")
    page.get_by_role("button", name="Predict", exact=True).click()
    answer = page.get_by_text(re.compile(r"Probability of more than \$50K: \d\.\d{3}"))
    answer.wait_for()
    value = float(re.search(r"\d\.\d{3}", answer.inner_text()).group())
    assert 0.0 <= value <= 1.0


def test_the_storyline_page_shows_the_four_versions(page):
    page.goto("/storyline/?q=fried+chicken")
    headings = page.locator(".story-column h2").all_inner_texts()
    assert headings == ["v1 naive matching", "v2 wide", "v3 deep", "v4 wide & deep"]
    v4 = page.locator(".story-column", has_text="v4 wide & deep")
    assert "model food_wide_deep v1" in v4.inner_text()
    assert v4.locator("ol.suggestions > li").count() == 5
    v1 = page.locator(".story-column", has_text="v1 naive matching")
    assert "Chicken Fried Rice" in v1.inner_text()


def test_no_page_has_a_serious_or_critical_accessibility_violation(page):
    guest_pages = [
        "/",
        "/search/?q=fried+chicken&compare=v1",
        "/dishes/",
        "/dishes/?diet=vegan",
        "/dishes/fried-chicken/",
        "/personas/",
        "/accounts/login/",
        "/accounts/signup/",
        "/storyline/",
        "/census/",
    ]
    found: dict[str, list[str]] = {}
    for url in guest_pages:
        page.goto(url)
        found[f"guest {url}"] = serious_violations(page)
    persona_become(page, 2)
    for url in ("/", "/history/", "/dishes/fried-chicken/", "/search/?q=tacos"):
        page.goto(url)
        for details in page.locator("details").all()[:3]:
            details.locator("summary").click()
        found[f"persona {url}"] = serious_violations(page)
    problems = {url: v for url, v in found.items() if v}
    assert not problems, problems


def test_pages_fit_a_phone_screen(page):
    page.set_viewport_size({"width": 360, "height": 740})
    persona_become(page, 3)
    for url in ("/", "/search/?q=fried+chicken&compare=v1", "/dishes/", "/dishes/lasagna/"):
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)
    snap(page, "phone-dish-page")


def test_dish_filters_update_the_list_in_place_with_htmx(page):
    page.goto("/dishes/")
    page.evaluate("window.sameDocument = true")
    page.get_by_label("Cuisine").select_option(label="Italian")
    page.wait_for_url(re.compile(r"cuisine=italian"))
    page.locator(".result-count", has_text="5 dishes").wait_for()
    page.get_by_label("Diet").select_option(label="Vegetarian")
    page.locator(".result-count", has_text="3 dishes").wait_for()
    names = page.locator(".dish-grid a").all_inner_texts()
    assert set(names) == {"Margherita Pizza", "Mushroom Risotto", "Tiramisu"}
    assert page.evaluate("window.sameDocument === true")  # swapped by htmx, no page load


def test_the_api_docs_render_under_the_content_security_policy(page):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Food recommender API" in page.locator(".swagger-ui .info .title").inner_text()
