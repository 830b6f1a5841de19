from django.test import Client


def test_storyline_before_training_shows_v1_and_says_what_is_missing(catalogue_in_db):
    page = Client().get("/storyline/", {"q": "Fried   CHICKEN!"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="fried chicken"' in html  # normalised like every query
    assert html.count("Not trained yet") == 3  # v2, v3 and v4
    assert "Chicken Fried Rice" in html  # v1 answers without a model
    assert "No evaluation stored yet" in html
