"""The hidden truth: how much a person wants a dish, for a query, at an hour, given their history.

The utility (a logit) is the sum of three kinds of terms, so that both halves of the wide & deep
story carry value of their own:

- Feature-explained terms (what a model can generalize from dish and person features): cuisine
  affinity, spice above the person's tolerance, price against their sensitivity, disliked
  ingredients, the meal slot against the hour and the person's habits, and the query's relevance
  (a specific query wants its exact dish, +1.0 net; a near variant -1.8; anything else -2.5; a
  general one is met by every dish with the feature it names).
- Memorization-only terms (drawn, never derived from features; only ids and their crosses can
  learn them): a per-dish quality; (query, dish) pairs on the frequent queries whose dish gets a
  query appeal of `pair_appeal` (+2.0, above the exact dish's +1.0), led by the story's
  "fried chicken" -> "Chicken and Waffles"; and a few favourite dishes per person
  (`favourite_bonus`, in full on the home feed, in a search as much as the query calls the dish
  relevant) that they keep reordering.
- History: boredom. A dish the person ordered recently loses `boredom_penalty`, halving every
  `boredom_half_life_days`, so "similar, but different" pays after an order.

Pairs go to the most popular queries (each of the top PAIR_HEAD_QUERIES with chance
`pair_head_share`) and to dishes the logging policy ranks among its first candidates for that
query (so the logs reveal them), preferring dishes that share words with the query without being
what it means. Favourites are drawn with odds growing with the dish quality, among the dishes the
person's diet allows. A share of the catalogue (NEW_DISH_SHARE) joins the menu only after the
logged period: never shown, searched for, paired or a favourite in the log, so only features can
recommend them. Diet is a hard rule: a vegetarian never orders a dish with meat.

Why these weights (logits; P(order | looked at) = sigmoid(u - 2.0) * sigmoid(u - 1.6)):
- pair_appeal +2.0, one above the exact dish's +1.0: people who search "fried chicken" order
  Chicken and Waffles more than Fried Chicken, which text matching cannot know.
- pair_head_share 0.75 of the top 40 queries: memorization pays where the logs are rich.
- favourite_bonus +2.0 with reorder_rate 0.4 (the share of home-feed sessions that consider
  "order again"): organic reorders make about a quarter of the orders, as in food apps.
- boredom_penalty 2.5, half-life 3 days: right after an order a favourite (+2.0) is below an
  average dish (-0.5 net); a week later it has most of its appeal back (-0.5).
- quality_scale 0.5 (as before): dishes differ, but less than tastes do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from foodapp.interactions.query_text import normalize_query
from foodapp.simulation.dishes import (
    MEAL_SLOTS,
    SLOT_BREAKFAST,
    SLOT_COFFEE,
    SLOT_DESSERT,
    SLOT_FAST_FOOD,
    SLOT_MAIN,
    DishTable,
    stems,
)
from foodapp.simulation.logging_policy import logging_policy_scores
from foodapp.simulation.queries import KIND_SPECIFIC, STORY_HEAD_QUERIES, QueryCatalogue
from foodapp.simulation.taste import (
    DEVICE_POSITION_DECAY,
    DIET_GLUTEN_FREE,
    DIET_VEGAN,
    DIET_VEGETARIAN,
    DIETS,
    Population,
)

# Pairs the story names, applied when both exist in the catalogue: (query, dish name).
STORY_PAIRS = (("fried chicken", "chicken and waffles"),)
# Pairs are drawn on the most popular queries, among the logging policy's first candidates.
PAIR_HEAD_QUERIES = 40
PAIR_CANDIDATES = 6
# Dishes that join the menu after the logged period; the story's dishes are never among them.
NEW_DISH_SHARE = 0.05
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class TruthWeights:
    """Coefficients of the hidden utility (logit scale) and the rates of the sessions."""

    # Feature-explained terms.
    cuisine: float = 0.8
    spice_over_tolerance: float = 1.3
    price: float = 0.7
    disliked_ingredient: float = 1.8
    time_of_day: float = 1.0
    relevance: float = 3.5
    irrelevance: float = -2.5
    # Memorization-only terms.
    quality_scale: float = 0.5
    pair_appeal: float = 2.0
    pair_head_share: float = 0.75
    favourites: int = 3
    favourite_bonus: float = 2.0
    # History.
    boredom_penalty: float = 2.5
    boredom_half_life_days: float = 3.0
    # Sessions.
    click_bias: float = -2.0
    order_bias: float = -1.6
    explore_rate: float = 0.1
    reorder_rate: float = 0.4


def slot_hour_table() -> np.ndarray:
    """Base appeal of each meal slot at each hour (slots x 24)."""
    hours = np.arange(24)
    morning = (hours >= 6) & (hours <= 10)
    daytime = (hours >= 6) & (hours <= 16)
    meals = ((hours >= 11) & (hours <= 14)) | ((hours >= 18) & (hours <= 21))
    night = (hours >= 22) | (hours <= 3)
    evening = (hours >= 19) & (hours <= 23)
    table = np.zeros((len(MEAL_SLOTS), 24))
    table[SLOT_MAIN] = np.where(meals, 0.3, np.where(morning, -0.8, 0.0))
    table[SLOT_BREAKFAST] = np.where(morning, 1.0, -0.8)
    table[SLOT_COFFEE] = np.where(daytime, 0.5, -0.7)
    table[SLOT_FAST_FOOD] = np.where(night, 0.6, 0.0)
    table[SLOT_DESSERT] = np.where(evening, 0.5, -0.2)
    return table


def habit_hour_table() -> np.ndarray:
    """Extra appeal a habit gives a slot at each hour (habits x slots x 24)."""
    hours = np.arange(24)
    morning = (hours >= 6) & (hours <= 10)
    night = (hours >= 22) | (hours <= 3)
    table = np.zeros((3, len(MEAL_SLOTS), 24))
    table[0, SLOT_BREAKFAST] = np.where(morning, 0.9, 0.0)
    table[1, SLOT_COFFEE] = 1.0
    table[2, SLOT_FAST_FOOD] = np.where(night, 1.2, 0.0)
    return table


@dataclass
class Truth:
    """Everything the hidden utility needs beyond the people and the catalogue."""

    weights: TruthWeights
    quality: np.ndarray = field(repr=False)
    bonus: np.ndarray = field(repr=False)
    pairs: list[tuple[int, int]]
    favourites: np.ndarray = field(repr=False)
    is_favourite: np.ndarray = field(repr=False)
    new_dish: np.ndarray = field(repr=False)
    slot_hour: np.ndarray = field(repr=False)
    habit_hour: np.ndarray = field(repr=False)
    median_log_price: float = 0.0

    @property
    def paired_queries(self) -> np.ndarray:
        """Whether each query has a memorable (query, dish) pair."""
        paired = np.zeros(self.bonus.shape[0], dtype=bool)
        paired[[q for q, _ in self.pairs]] = True
        return paired

    def summary(self, dishes: DishTable, queries: QueryCatalogue) -> dict[str, Any]:
        """A JSON-ready description of the truth, for evaluation code (never for models)."""
        return {
            "weights": asdict(self.weights),
            "idiosyncratic_pairs": [
                {
                    "query": queries.texts[q],
                    "dish_id": int(dishes.ids[d]),
                    "dish": dishes.dishes[d].name,
                    "bonus": round(float(self.bonus[q, d]), 4),
                }
                for q, d in self.pairs
            ],
            "dish_quality": {
                str(int(dishes.ids[d])): round(float(self.quality[d]), 4)
                for d in range(len(dishes))
            },
            "new_dish_ids": [int(i) for i in dishes.ids[self.new_dish]],
            "favourite_dish_ids": [
                [int(dishes.ids[d]) for d in row if d >= 0] for row in self.favourites
            ],
        }


def truth_draw(
    *,
    rng: np.random.Generator,
    dishes: DishTable,
    queries: QueryCatalogue,
    people: Population,
    popularity_noise: np.ndarray,
    weights: TruthWeights | None = None,
) -> Truth:
    """Draw the dish qualities, the new dishes, the (query, dish) pairs and the favourites.

    Args:
        rng: The seeded generator.
        dishes: The catalogue.
        queries: The query catalogue.
        people: The population (favourites respect each person's diet).
        popularity_noise: What the logging policy's observed popularity adds to the quality.
        weights: Utility coefficients; the defaults when None.

    Returns:
        The truth.
    """
    weights = weights or TruthWeights()
    quality = rng.normal(0.0, weights.quality_scale, size=len(dishes))
    new_dish = new_dishes_draw(rng=rng, dishes=dishes, queries=queries)
    pairs = pairs_draw(
        rng=rng,
        dishes=dishes,
        queries=queries,
        weights=weights,
        popularity=quality + popularity_noise,
        available=~new_dish,
    )
    bonus = np.zeros((len(queries), len(dishes)), dtype=np.float32)
    for q, d in pairs:
        explained = weights.relevance * queries.relevance[q, d] + weights.irrelevance
        bonus[q, d] = weights.pair_appeal - explained
    favourites = favourites_draw(
        rng=rng,
        people=people,
        dishes=dishes,
        quality=quality,
        count=weights.favourites,
        available=~new_dish,
    )
    is_favourite = np.zeros((len(people), len(dishes)), dtype=bool)
    rows = np.repeat(np.arange(len(people)), favourites.shape[1])
    picked = favourites.reshape(-1)
    is_favourite[rows[picked >= 0], picked[picked >= 0]] = True
    return Truth(
        weights=weights,
        quality=quality,
        bonus=bonus,
        pairs=pairs,
        favourites=favourites,
        is_favourite=is_favourite,
        new_dish=new_dish,
        slot_hour=slot_hour_table(),
        habit_hour=habit_hour_table(),
        median_log_price=float(np.median(dishes.log_price)),
    )


def story_dishes(dishes: DishTable, queries: QueryCatalogue) -> set[int]:
    """Dishes the story is about: any dish sharing a name word with a story query or pair."""
    words = set().union(*(stems(t) for t, _ in STORY_PAIRS), *map(stems, STORY_HEAD_QUERIES))
    words |= set().union(*(stems(name) for _, name in STORY_PAIRS))
    return {d for d in range(len(dishes)) if dishes.name_stems(d) & words}


def new_dishes_draw(
    *, rng: np.random.Generator, dishes: DishTable, queries: QueryCatalogue
) -> np.ndarray:
    """Which dishes join the menu after the logged period (a mask over the catalogue).

    Never a story dish, and never the exact dish of one of the PAIR_HEAD_QUERIES most popular
    queries (those queries are the head of the logs).
    """
    count = int(NEW_DISH_SHARE * len(dishes))
    new_dish = np.zeros(len(dishes), dtype=bool)
    head = np.argsort(-queries.popularity, kind="stable")[:PAIR_HEAD_QUERIES]
    keep = story_dishes(dishes, queries) | {int(t) for t in queries.target[head] if t >= 0}
    candidates = np.array([d for d in range(len(dishes)) if d not in keep], dtype=np.int64)
    if count and len(candidates) > count:
        new_dish[rng.choice(candidates, size=count, replace=False)] = True
    return new_dish


def pairs_draw(
    *,
    rng: np.random.Generator,
    dishes: DishTable,
    queries: QueryCatalogue,
    weights: TruthWeights,
    popularity: np.ndarray,
    available: np.ndarray,
) -> list[tuple[int, int]]:
    """The memorable (query, dish) pairs: the story's, then most of the frequent queries'.

    Each pair's dish is one the logging policy ranks among its PAIR_CANDIDATES first for the
    query, preferring dishes that share words with the query without being what it means, and no
    dish is paired twice.
    """
    pairs: list[tuple[int, int]] = []
    names = [normalize_query(d.name) for d in dishes.dishes]
    for text, name in STORY_PAIRS:
        if text in queries.texts and name in names and available[names.index(name)]:
            pairs.append((queries.index(text), names.index(name)))
    base = logging_policy_scores(naive=queries.naive, popularity=popularity, available=available)
    head = np.argsort(-queries.popularity, kind="stable")[:PAIR_HEAD_QUERIES]
    chosen = head[rng.random(len(head)) < weights.pair_head_share]
    taken_queries = {q for q, _ in pairs}
    taken_dishes = {d for _, d in pairs}
    for q in (int(q) for q in chosen):
        if q in taken_queries:
            continue
        first = np.argsort(-base[q], kind="stable")[:PAIR_CANDIDATES]
        first = np.array([d for d in first if available[d] and int(d) not in taken_dishes])
        if not len(first):
            continue
        # Best a dish that shares words with the query but is not what it means (the story's
        # "Chicken and Waffles" for "fried chicken"), then any the text does not call relevant;
        # a general query with no such candidate pairs with one of its relevant dishes.
        unexplained = first[queries.relevance[q, first] < 0.5]
        related = unexplained[queries.naive[q, unexplained] > 0]
        if len(related):
            first = related
        elif len(unexplained) or queries.kind[q] == KIND_SPECIFIC:
            first = unexplained
        if not len(first):
            continue
        dish = int(rng.choice(first))
        pairs.append((q, dish))
        taken_queries.add(q)
        taken_dishes.add(dish)
    return pairs


def favourites_draw(
    *,
    rng: np.random.Generator,
    people: Population,
    dishes: DishTable,
    quality: np.ndarray,
    count: int,
    available: np.ndarray,
) -> np.ndarray:
    """Each person's favourite dishes (people x count, -1 pads): diet-allowed, better ones likelier.

    Drawn without replacement by Gumbel top-k on log-odds equal to the dish quality; the
    person's features (cuisine, spice, price, ingredients) play no part.
    """
    favourites = np.full((len(people), count), -1, dtype=np.int64)
    if count <= 0:
        return favourites
    for diet in range(len(DIETS)):
        members = np.flatnonzero(people.diet == diet)
        if not len(members):
            continue
        allowed = available & diet_allows(
            people, dishes, np.full(len(dishes), members[0]), np.arange(len(dishes))
        )
        keys = quality[None, :] + rng.gumbel(size=(len(members), len(dishes)))
        keys = np.where(allowed[None, :], keys, -np.inf)
        k = min(count, len(dishes))
        top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, 1), 1), 1)
        ok = np.take_along_axis(keys, top, axis=1) > -np.inf
        favourites[members, :k] = np.where(ok, top, -1)
    return favourites


def diet_allows(
    people: Population, dishes: DishTable, user: np.ndarray, dish: np.ndarray
) -> np.ndarray:
    """Whether each (person, dish) pair respects the person's diet; a hard rule of the truth."""
    diet = people.diet[user]
    allowed = np.ones(len(user), dtype=bool)
    allowed &= ~((diet == DIET_VEGETARIAN) & ~dishes.vegetarian[dish])
    allowed &= ~((diet == DIET_VEGAN) & ~dishes.vegan[dish])
    allowed &= ~((diet == DIET_GLUTEN_FREE) & ~dishes.gluten_free[dish])
    return allowed


def feature_utility(
    *,
    truth: Truth,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    user: np.ndarray,
    dish: np.ndarray,
    query: np.ndarray,
    hour: np.ndarray,
) -> np.ndarray:
    """The feature-explained terms of the utility for each row; query -1 is the home feed."""
    w = truth.weights
    slot = dishes.slot[dish]
    value = w.cuisine * people.cuisine_affinity[user, dishes.cuisine_index[dish]]
    value -= w.spice_over_tolerance * np.maximum(
        dishes.spice[dish] - people.spice_tolerance[user], 0.0
    )
    value -= (
        w.price * people.price_sensitivity[user] * (dishes.log_price[dish] - truth.median_log_price)
    )
    if dishes.ingredient_matrix.shape[1]:
        for column in range(people.disliked_ingredients.shape[1]):
            picked = people.disliked_ingredients[user, column]
            has = dishes.ingredient_matrix[dish, np.maximum(picked, 0)] * (picked >= 0)
            value -= w.disliked_ingredient * has
    time_term = truth.slot_hour[slot, hour]
    for habit in range(truth.habit_hour.shape[0]):
        time_term = time_term + people.habits[user, habit] * truth.habit_hour[habit, slot, hour]
    value += w.time_of_day * time_term
    searched = query >= 0
    relevance = queries.relevance[np.maximum(query, 0), dish]
    value += np.where(searched, w.relevance * relevance + w.irrelevance, 0.0)
    return np.asarray(value)


def memorized_utility(
    *,
    truth: Truth,
    queries: QueryCatalogue,
    user: np.ndarray,
    dish: np.ndarray,
    query: np.ndarray,
) -> np.ndarray:
    """The memorization-only terms for each row: dish quality, (query, dish) pair, favourite.

    A favourite counts in full on the home feed and, in a search, as much as the query calls it
    relevant (a favourite seafood dish when searching "seafood", not a favourite pad thai).
    """
    searched = query >= 0
    q = np.maximum(query, 0)
    value = truth.quality[dish].copy()
    value += np.where(searched, truth.bonus[q, dish], 0.0)
    weight = np.where(searched, queries.relevance[q, dish], 1.0)
    value += truth.weights.favourite_bonus * truth.is_favourite[user, dish] * weight
    return np.asarray(value)


def boredom(truth: Truth, since_order: np.ndarray) -> np.ndarray:
    """Appeal a dish loses `since_order` seconds after the person last ordered it (inf: never)."""
    w = truth.weights
    half_life = w.boredom_half_life_days * SECONDS_PER_DAY
    return np.asarray(w.boredom_penalty * np.exp2(-np.maximum(since_order, 0.0) / half_life))


def utility(
    *,
    truth: Truth,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    user: np.ndarray,
    dish: np.ndarray,
    query: np.ndarray,
    hour: np.ndarray,
    since_order: np.ndarray | None = None,
    memorized: bool = True,
) -> np.ndarray:
    """The hidden utility (logit) of each (person, dish, query, hour) row; query -1 is the feed.

    Args:
        truth: The drawn truth.
        people: The population.
        dishes: The catalogue.
        queries: The query catalogue.
        user: Person positions.
        dish: Dish positions.
        query: Query positions, -1 for home-feed sessions.
        hour: Hour of day, 0-23.
        since_order: Seconds since the person last ordered the dish (inf: never); never when None.
        memorized: False leaves out the memorization-only terms (quality, pairs, favourites).

    Returns:
        One float per row.
    """
    value = feature_utility(
        truth=truth,
        people=people,
        dishes=dishes,
        queries=queries,
        user=user,
        dish=dish,
        query=query,
        hour=hour,
    )
    if memorized:
        value += memorized_utility(truth=truth, queries=queries, user=user, dish=dish, query=query)
    if since_order is not None:
        value -= boredom(truth, since_order)
    return value


def order_chance(truth: Truth, value: np.ndarray) -> np.ndarray:
    """Chance that a looked-at dish of utility `value` is clicked and then ordered."""
    w = truth.weights
    return sigmoid(value + w.click_bias) * sigmoid(value + w.order_bias)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def examination_probability(position: np.ndarray, device: np.ndarray) -> np.ndarray:
    """Chance that a person looks at the item in `position` (0-based); falls with the position."""
    decay = np.asarray(DEVICE_POSITION_DECAY)[device]
    return np.asarray((1.0 / (position + 1.0)) ** decay)
