"""The words of an explanation: the wide inputs that say why this dish, largest first."""

from __future__ import annotations

from foodapp.recommendations.explanation import ReasonContext, explanation_build

CONTEXT = ReasonContext(
    query="fried chicken",
    dish_name="Chicken and Waffles",
    cuisine="american",
    course="main",
    hour=19,
    ordered_before=False,
)


def test_reasons_are_the_largest_positive_shares_that_tell_dishes_apart() -> None:
    explanation = explanation_build(
        logit=1.5,
        wide=1.0,
        deep=0.5,
        contributions={
            "position": 0.9,  # the same for every candidate: never a reason
            "hour": 0.6,
            "query_x_dish": 0.4,
            "user_x_cuisine": 0.2,
            "text_match": 0.1,
            "dish_price": 0.01,  # below the smallest weight worth saying
            "dish_popularity": -0.3,
        },
        context=CONTEXT,
    )
    assert [r.feature for r in explanation.reasons] == [
        "query_x_dish",
        "user_x_cuisine",
        "text_match",
    ]
    assert explanation.reasons[0].text == "people who search “fried chicken” order this"
    assert explanation.wide + explanation.deep == explanation.logit


def test_the_feed_gives_no_query_reasons() -> None:
    feed = ReasonContext(**{**CONTEXT.__dict__, "query": ""})
    explanation = explanation_build(
        logit=0.3,
        wide=0.3,
        deep=0.0,
        contributions={"query_x_dish": 0.5, "user_x_dish": 0.2},
        context=feed,
    )
    assert [r.text for r in explanation.reasons] == ["people with your history order this"]
