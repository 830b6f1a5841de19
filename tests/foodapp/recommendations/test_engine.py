import numpy as np
import pytest

from foodapp.recommendations.diversify import mmr_order
from foodapp.recommendations.engine import rank
from foodapp.recommendations.request import Filters, Person, RankRequest
from foodapp.recommendations.retrieval import candidates_retrieve

from .catalogue_data import POPULARITY, dish_features, make_catalogue


def ids(ranking):
    return [s.dish_id for s in ranking.suggestions]


def test_v1_is_naive_matching_fried_chicken_gives_chicken_fried_rice_first():
    ranking = rank(make_catalogue(), RankRequest(query="fried chicken"), ranker="v1", k=3)
    # Every word of the query is in both names; the more popular one wins: the story's "oops".
    assert ids(ranking)[:2] == [1, 2]
    assert ranking.ranker == "v1" and ranking.version is None and ranking.model_name is None


def test_v1_feed_is_popularity():
    ranking = rank(make_catalogue(), RankRequest(), ranker="v1", k=3)
    assert ids(ranking) == sorted(POPULARITY, key=lambda d: -POPULARITY[d])[:3]


def test_general_word_retrieves_its_category():
    found = candidates_retrieve(make_catalogue(), RankRequest(query="seafood"))
    text = found.positions[found.sources == 0]
    catalogue = make_catalogue()
    assert sorted(int(catalogue.ids[p]) for p in text) == [6, 7]


def test_italian_food_matches_the_cuisine_label():
    ranking = rank(make_catalogue(), RankRequest(query="italian food"), ranker="v1", k=3)
    assert set(ids(ranking)) == {4, 5, 11}


def test_persons_diet_always_filters():
    vegan = Person(user_id="1", diet="vegan")
    ranking = rank(make_catalogue(), RankRequest(person=vegan), ranker="v1", k=10)
    assert ids(ranking) == [10]


def test_vegetarian_filter_keeps_vegan_dishes():
    ranking = rank(
        make_catalogue(),
        RankRequest(),
        ranker="v1",
        k=10,
        filters=Filters(diet=frozenset({"vegetarian"})),
    )
    assert set(ids(ranking)) == {4, 8, 9, 10, 11}


def test_course_cuisine_price_and_exclusions():
    catalogue = make_catalogue()
    person = Person(user_id="1", ordered=(4,), dismissed=frozenset({5}))
    ranking = rank(
        catalogue,
        RankRequest(person=person),
        ranker="v1",
        k=10,
        filters=Filters(cuisine="italian", exclude_seen=True),
    )
    assert ids(ranking) == [11]
    cheap = rank(catalogue, RankRequest(), ranker="v1", k=20, filters=Filters(max_price=5.0))
    assert set(ids(cheap)) == {8, 9}
    drinks = rank(catalogue, RankRequest(), ranker="v1", k=20, filters=Filters(course="drink"))
    assert set(ids(drinks)) == {8, 9}


def test_unknown_diet_is_a_clear_error():
    with pytest.raises(ValueError, match="diet"):
        Filters(diet=frozenset({"paleo"}))


@pytest.mark.parametrize("k", [0, 101, "3", True])
def test_bad_k_names_k(k):
    with pytest.raises(ValueError, match="k:"):
        rank(make_catalogue(), RankRequest(), ranker="v1", k=k)


def test_unknown_ranker_is_a_clear_error():
    with pytest.raises(ValueError, match="ranker"):
        rank(make_catalogue(), RankRequest(), ranker="v9")


def test_learned_ranker_needs_its_model():
    with pytest.raises(ValueError, match="needs a trained model"):
        rank(make_catalogue(), RankRequest(), ranker="v4")


def test_history_and_favourite_cuisines_are_candidates():
    person = Person(user_id="7", favourite_cuisines="Thai", ordered=(3,))
    found = candidates_retrieve(make_catalogue(), RankRequest(person=person))
    catalogue = make_catalogue()
    by_source = {
        int(catalogue.ids[p]): s for p, s in zip(found.positions, found.sources, strict=True)
    }
    assert by_source[3] == 1  # history
    assert by_source[12] == 2  # favourite cuisine


def test_new_dish_and_unseen_query_are_ranked_not_errors():
    new = dish_features(4) | {"dish_id": "99", "dish_name": "Truffle Pizza Bianca"}
    catalogue = make_catalogue({99: new})
    ranking = rank(catalogue, RankRequest(query="truffle pizza"), ranker="v1", k=2)
    assert ids(ranking)[0] == 99
    nothing = rank(catalogue, RankRequest(query="zzzz qqq"), ranker="v1", k=5)
    assert len(nothing.suggestions) == 5  # popular and exploration candidates still answer


def test_mmr_trades_relevance_for_diversity():
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    scores = np.array([0.9, 0.85, 0.5])
    assert list(mmr_order(scores, vectors, 2, trade_off=1.0)) == [0, 1]
    assert list(mmr_order(scores, vectors, 2, trade_off=0.5)) == [0, 2]


def test_diversify_spreads_cuisines():
    catalogue = make_catalogue()
    plain = rank(catalogue, RankRequest(query="chicken"), ranker="v1", k=3)
    varied = rank(catalogue, RankRequest(query="chicken"), ranker="v1", k=3, diversify=True)
    cuisines = lambda r: {catalogue.column("dish_cuisine")[catalogue.positions[d]] for d in ids(r)}  # noqa: E731
    assert len(cuisines(varied)) >= len(cuisines(plain))
    assert len(varied.suggestions) == 3


def test_v1_explanation_names_the_match():
    ranking = rank(
        make_catalogue(), RankRequest(query="fried chicken"), ranker="v1", k=1, explain=True
    )
    explanation = ranking.suggestions[0].explanation
    assert explanation is not None and explanation.leaning == "matched"
    assert "fried chicken" in explanation.reasons[0].text
