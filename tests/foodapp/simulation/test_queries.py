import numpy as np

from foodapp.simulation.dishes import dish_table_build
from foodapp.simulation.queries import KIND_GENERAL, KIND_SPECIFIC, query_catalogue_build
from tests.foodapp.simulation.catalogue import small_catalogue


def build():
    dishes = dish_table_build(dishes=small_catalogue())
    return dishes, query_catalogue_build(dishes=dishes, rng=np.random.default_rng(0))


def position(dishes, name):
    return [d.name for d in dishes.dishes].index(name)


def test_specific_query_prefers_its_exact_dish_over_near_variants():
    dishes, queries = build()
    q = queries.index("iced decaf latte with nonfat milk")
    assert queries.kind[q] == KIND_SPECIFIC
    exact = queries.relevance[q, position(dishes, "Iced Decaf Latte with Nonfat Milk")]
    hot = queries.relevance[q, position(dishes, "Hot Latte with Whole Milk")]
    oat = queries.relevance[q, position(dishes, "Iced Latte with Oat Milk")]
    assert exact == 1.0
    assert hot < 0.5 and oat < 0.5


def test_general_queries_are_satisfied_by_many_dishes():
    dishes, queries = build()
    q = queries.index("seafood")
    assert queries.kind[q] == KIND_GENERAL
    relevant = {dishes.dishes[d].name for d in np.flatnonzero(queries.relevance[q] == 1.0)}
    assert {"Grilled Salmon", "Shrimp Tacos", "Fish and Chips", "Lobster Roll"} <= relevant
    assert "Pancakes" not in relevant
    assert queries.relevance[queries.index("italian food")].sum() == 5


def test_naive_matching_confuses_fried_chicken_with_chicken_fried_rice():
    dishes, queries = build()
    q = queries.index("fried chicken")
    naive = queries.naive[q]
    rice = position(dishes, "Chicken Fried Rice")
    assert naive[rice] >= naive[position(dishes, "Chicken and Waffles")]
    assert (
        queries.relevance[q, rice] < 0.5 < queries.relevance[q, position(dishes, "Fried Chicken")]
    )


def test_popularity_is_zipf_like_with_a_heavy_head():
    _, queries = build()
    shares = np.sort(queries.popularity)[::-1]
    assert np.isclose(shares.sum(), 1.0)
    assert shares[:5].sum() > 0.4
    assert shares[0] > 20 * shares[-1]


def test_general_queries_crowd_the_head():
    _, queries = build()
    head = np.argsort(-queries.popularity)[:10]
    assert (queries.kind[head] == KIND_GENERAL).mean() > (queries.kind == KIND_GENERAL).mean()


def test_fried_chicken_is_a_head_query_in_the_top_ten():
    _, queries = build()
    q = queries.index("fried chicken")
    assert (queries.popularity > queries.popularity[q]).sum() < 10
    assert queries.head[q]


def test_the_head_covers_half_of_the_searches():
    _, queries = build()
    covered = queries.popularity[queries.head].sum()
    smallest = queries.popularity[queries.head].min()
    assert 0.5 <= covered < 0.5 + smallest
    assert queries.popularity[~queries.head].max() <= smallest
