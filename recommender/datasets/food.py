"""The food logs: example schema, feature spec and train-and-export for P(order | person, query,
dish, context).

Django-free and TensorFlow-free at import time (TensorFlow loads only when a model is trained),
so the web processes and the example extraction can import the schema. Every example is a flat
dict with exactly the keys of `EXAMPLE_FIELDS`; strings are never None ("" when unknown), numbers
never NaN but the coordinates (NaN when unknown; `home_distance_km` is then NO_DISTANCE).
List-like strings (diet, cuisines, tags, ingredients) are `|`-joined and sorted so equal sets
give equal strings; `user_recent_dishes` is ordered, most recent first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np

from recommender.features import (
    CategoricalFeature,
    CrossFeature,
    Feature,
    FeatureSpec,
    IntegerCategoricalFeature,
    MultiCategoricalFeature,
    NumericFeature,
    TextFeature,
)
from recommender.text_match import label_text, naive_match, name_overlap, stems

if TYPE_CHECKING:
    from recommender.export import ExportResult
    from recommender.training import Examples, ValidationScore

FieldKind = Literal["string", "int", "float"]

USER_FIELDS: Final[dict[str, FieldKind]] = {
    "user_id": "string",
    "user_diet": "string",
    "user_favourite_cuisines": "string",
    "user_area": "string",
    # Distinct dish ids the person ordered in the RECENT_DAYS before the moment, newest first,
    # at most RECENT_LIMIT: taste and boredom ("I had that yesterday").
    "user_recent_dishes": "string",
    # Where the person lives (degrees), NaN when unknown; read through home_distance_km.
    "user_latitude": "float",
    "user_longitude": "float",
}
QUERY_FIELDS: Final[dict[str, FieldKind]] = {
    # The normalised query ("" for the home feed), read whole (for crosses) ...
    "query": "string",
    # ... and the same text read as words (embeddings of its tokens).
    "query_text": "string",
}
DISH_FIELDS: Final[dict[str, FieldKind]] = {
    "dish_id": "string",
    "dish_name": "string",
    "dish_cuisine": "string",
    "dish_course": "string",
    "dish_tags": "string",
    "dish_ingredients": "string",
    "dish_price": "float",
    "dish_spice_level": "int",
    "dish_is_vegetarian": "int",
    "dish_is_vegan": "int",
    "dish_is_gluten_free": "int",
    # Orders of the dish in the POPULARITY_DAYS before the moment (a count, not a log).
    "dish_popularity": "float",
    # Where the dish is served (a restaurant's place, degrees), NaN when unknown.
    "dish_latitude": "float",
    "dish_longitude": "float",
}
# Query-dish relevance a person can see in the text (recommender.text_match); 0 for the feed.
RELEVANCE_FIELDS: Final[dict[str, FieldKind]] = {
    "text_match": "float",
    "name_overlap": "float",
}
# Person-dish: great-circle km from the person's home to the dish's place (NO_DISTANCE when
# either is unknown: every simulated person and catalogue dish).
PLACE_FIELDS: Final[dict[str, FieldKind]] = {
    "home_distance_km": "float",
}
CONTEXT_FIELDS: Final[dict[str, FieldKind]] = {
    "position": "int",
    "hour": "int",
    "weekday": "int",
    "device": "string",
}
META_FIELDS: Final[dict[str, FieldKind]] = {
    "event_id": "int",
    "timestamp": "float",
    "source": "string",
}
LABEL: Final = "label"
EXAMPLE_FIELDS: Final[dict[str, FieldKind]] = {
    **USER_FIELDS,
    **QUERY_FIELDS,
    **DISH_FIELDS,
    **RELEVANCE_FIELDS,
    **PLACE_FIELDS,
    **CONTEXT_FIELDS,
    **META_FIELDS,
    LABEL: "int",
}

# Where an example came from: a shown dish, an order or rating without an impression, or a
# dish sampled from the catalogue as a negative for one of those.
SOURCE_IMPRESSION = "impression"
SOURCE_ORDER = "order"
SOURCE_RATING = "rating"
SOURCE_SAMPLED = "sampled"
NO_POSITION = -1
SERVING_POSITION = 0
LIST_JOIN = "|"
RECENT_DAYS = 14
RECENT_LIMIT = 10
POPULARITY_DAYS = 28
NO_DISTANCE = -1.0
EARTH_RADIUS_KM = 6371.0

# The three learned rankers of the story, each a model of its own in the store.
MODEL_NAMES: Final[dict[str, str]] = {
    "wide": "food_wide",
    "deep": "food_deep",
    "wide_deep": "food_wide_deep",
}

Columns = dict[str, np.ndarray]
SECONDS_PER_DAY = 86_400.0
# Sources whose positives need sampled negatives (they come without the slate they were in).
UNSHOWN_SOURCES: Final = (SOURCE_ORDER, SOURCE_RATING)


def build_food_spec() -> FeatureSpec:
    """The food model's features: wide crosses for memorization, embeddings for generalization.

    Wide (memorization): query x dish, person x dish, person x cuisine, hour x course, query x
    cuisine, plus the sparse ids and buckets themselves. Deep (generalization): embeddings of the
    person, dish, cuisine, course, tags, ingredients, query words, dish-name words and the
    person's recent orders, and normalised numerics (price, spice, popularity, hour, relevance,
    the log distance from the person's home to the dish's place: 0 where either is unknown).
    Position is an input of both parts, learned from the logs' exploration slots and set to 0 when
    ranking, so position bias is learned and then left out. The distance is an input of both
    parts too (on the wide side one weight on its normalised log): chosen on the UCI validation
    carve, v4's mean over seeds 42-44 was 0.323 with it, 0.309 deep only (item-kNN 0.216).
    """
    features: list[Feature] = [
        CategoricalFeature("user_id", embedding_dim=16),
        MultiCategoricalFeature("user_diet", max_values=3, embedding_dim=4),
        MultiCategoricalFeature("user_favourite_cuisines", max_values=4, embedding_dim=8),
        CategoricalFeature("user_area", embedding_dim=4),
        MultiCategoricalFeature(
            "user_recent_dishes", max_values=RECENT_LIMIT, embedding_dim=16, wide=False
        ),
        CategoricalFeature("query", embedding_dim=16, min_count=2),
        TextFeature("query_text", sequence_length=8, embedding_dim=16),
        CategoricalFeature("dish_id", embedding_dim=16),
        TextFeature("dish_name", sequence_length=8, embedding_dim=16, wide=False),
        CategoricalFeature("dish_cuisine", embedding_dim=8),
        CategoricalFeature("dish_course", embedding_dim=4),
        MultiCategoricalFeature("dish_tags", max_values=12, embedding_dim=8),
        MultiCategoricalFeature("dish_ingredients", max_values=24, embedding_dim=8),
        NumericFeature("dish_price", log1p=True, buckets=10),
        NumericFeature("dish_spice_level", buckets=4),
        NumericFeature("dish_is_vegetarian"),
        NumericFeature("dish_is_vegan"),
        NumericFeature("dish_is_gluten_free"),
        NumericFeature("dish_popularity", log1p=True, buckets=10),
        NumericFeature("text_match", buckets=8, nonzero_quantiles=True),
        NumericFeature("name_overlap", buckets=8, nonzero_quantiles=True),
        NumericFeature("home_distance_km", log1p=True, missing=NO_DISTANCE),
        IntegerCategoricalFeature("position", embedding_dim=4),
        IntegerCategoricalFeature("hour", embedding_dim=4),
        IntegerCategoricalFeature("weekday", embedding_dim=2),
        CategoricalFeature("device", embedding_dim=2),
        CrossFeature("query_x_dish", ("query", "dish_id"), num_bins=100_000),
        CrossFeature("user_x_dish", ("user_id", "dish_id"), num_bins=200_000),
        CrossFeature("user_x_cuisine", ("user_id", "dish_cuisine"), num_bins=50_000),
        CrossFeature("hour_x_course", ("hour", "dish_course"), num_bins=1_000),
        CrossFeature("query_x_cuisine", ("query", "dish_cuisine"), num_bins=20_000),
        CrossFeature("match_x_course", ("text_match", "dish_course"), num_bins=1_000),
    ]
    return FeatureSpec(features=tuple(features), label=LABEL)


FOOD_SPEC = build_food_spec()
MODEL_INPUTS: Final[tuple[str, ...]] = tuple(f.name for f in FOOD_SPEC.raw_features)


def examples_to_columns(examples: Iterable[Mapping[str, Any]]) -> Columns:
    """Example dicts as one typed numpy column per schema field (object arrays for strings).

    Memory grows with the examples, not with a dict per example: values go straight into
    per-field lists.
    """
    lists: dict[str, list[Any]] = {name: [] for name in EXAMPLE_FIELDS}
    appenders = [(name, values.append) for name, values in lists.items()]
    for example in examples:
        for name, append in appenders:
            append(example[name])
    return {name: typed_column(values, EXAMPLE_FIELDS[name]) for name, values in lists.items()}


def home_distances(
    user_latitude: Any, user_longitude: Any, dish_latitude: Any, dish_longitude: Any
) -> np.ndarray:
    """Great-circle km from each home to each dish's place (haversine, numpy broadcasting:
    one home against many dishes, or row by row); NO_DISTANCE where a coordinate is NaN.

    Args:
        user_latitude: the home's latitude(s), degrees (NaN: unknown).
        user_longitude: the home's longitude(s), degrees.
        dish_latitude: the dishes' latitudes, degrees (NaN: unknown).
        dish_longitude: the dishes' longitudes, degrees.

    Returns:
        float32 km, the broadcast shape of the inputs.
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=np.float64))
        for v in (user_latitude, user_longitude, dish_latitude, dish_longitude)
    )
    with np.errstate(invalid="ignore"):
        a = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return np.where(np.isfinite(km), km, NO_DISTANCE).astype(np.float32)


def example_home_distance(user: Mapping[str, Any], dish: Mapping[str, Any]) -> float:
    """`home_distance_km` of one example from its person's and dish's coordinate fields."""
    where = (user["user_latitude"], user["user_longitude"])
    there = (dish["dish_latitude"], dish["dish_longitude"])
    if any(v != v for v in (*where, *there)):  # NaN: unknown (the fast path of simulated logs)
        return NO_DISTANCE
    return float(home_distances(*where, *there))


def typed_column(values: Sequence[Any], kind: FieldKind) -> np.ndarray:
    """One column of values as a float32, int64 or object (str) array."""
    if kind == "float":
        return np.asarray(values, dtype=np.float32)
    if kind == "int":
        return np.asarray(values, dtype=np.int64)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def columns_concat(parts: Sequence[Columns]) -> Columns:
    """Concatenate column dicts that share their fields."""
    parts = [part for part in parts if part and len(next(iter(part.values())))]
    if not parts:
        return {name: typed_column([], kind) for name, kind in EXAMPLE_FIELDS.items()}
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def columns_take(columns: Columns, rows: np.ndarray) -> Columns:
    """The given rows of every column."""
    return {name: values[rows] for name, values in columns.items()}


def columns_length(columns: Columns) -> int:
    """Number of rows."""
    return len(columns[LABEL]) if LABEL in columns else len(next(iter(columns.values()), []))


@dataclass(frozen=True)
class DishPool:
    """The dishes negatives are sampled from, with what relevance and popularity need.

    Args:
        columns: DISH_FIELDS except dish_popularity, one array per field, aligned by position.
        order_times: per dish position, the sorted times (epoch seconds) of its orders, so that
            a sampled dish gets its popularity as of the example's moment.
    """

    columns: Columns
    order_times: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.columns["dish_id"])

    @property
    def text(self) -> tuple[list[frozenset[str]], list[frozenset[str]], list[frozenset[str]]]:
        """Stems of every dish's name, labels and ingredients (computed once)."""
        cached = self.__dict__.get("_text")
        if cached is None:
            c = self.columns
            cached = (
                [stems(str(name)) for name in c["dish_name"]],
                [
                    stems(label_text(str(cuisine), str(course), str(tags).split(LIST_JOIN)))
                    for cuisine, course, tags in zip(
                        c["dish_cuisine"], c["dish_course"], c["dish_tags"], strict=True
                    )
                ],
                [stems(" ".join(str(v).split(LIST_JOIN))) for v in c["dish_ingredients"]],
            )
            object.__setattr__(self, "_text", cached)
        return cached

    def popularity_at(self, positions: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
        """Orders of each dish in the POPULARITY_DAYS before each moment (strictly before)."""
        window = POPULARITY_DAYS * SECONDS_PER_DAY
        counts = np.empty(len(positions), dtype=np.float32)
        for row, (position, moment) in enumerate(zip(positions, timestamps, strict=True)):
            times = self.order_times[int(position)]
            counts[row] = np.searchsorted(times, moment, side="left") - np.searchsorted(
                times, moment - window, side="left"
            )
        return counts


POOL_FIELDS: Final[tuple[str, ...]] = tuple(n for n in DISH_FIELDS if n != "dish_popularity")


def dish_pool_build(
    features: Mapping[int, Mapping[str, Any]],
    order_times: Mapping[int, Sequence[float]] | None = None,
) -> tuple[np.ndarray, DishPool]:
    """The pool of the given dishes, ordered by id.

    Args:
        features: dish id -> its DISH_FIELDS values (dish_popularity, if present, is ignored).
        order_times: dish id -> times (epoch seconds) of its orders; none when None.

    Returns:
        The dish ids (ascending, int64) and the pool aligned with them.
    """
    ids = sorted(features)
    columns = {
        name: typed_column([features[d][name] for d in ids], DISH_FIELDS[name])
        for name in POOL_FIELDS
    }
    times = tuple(
        np.sort(np.asarray((order_times or {}).get(d, ()), dtype=np.float64)) for d in ids
    )
    return np.asarray(ids, dtype=np.int64), DishPool(columns=columns, order_times=times)


def relevance_columns(
    queries: Sequence[str], positions: np.ndarray, pool: DishPool
) -> tuple[np.ndarray, np.ndarray]:
    """text_match and name_overlap of each query against the dish at each pool position."""
    names, labels, ingredients = pool.text
    match = np.zeros(len(positions), dtype=np.float32)
    overlap = np.zeros(len(positions), dtype=np.float32)
    cache: dict[str, frozenset[str]] = {}
    for row, (query, position) in enumerate(zip(queries, positions, strict=True)):
        if not query:
            continue
        words = cache.get(query)
        if words is None:
            words = cache[query] = stems(query)
        p = int(position)
        match[row] = naive_match(words, name=names[p], labels=labels[p], ingredients=ingredients[p])
        overlap[row] = name_overlap(words, names[p])
    return match, overlap


def history_bags(
    user_ids: Iterable[Any], dish_ids: Iterable[Any], history: Mapping[str, Sequence[str]]
) -> np.ndarray:
    """`user_recent_dishes` for histories without real times (imported ratings): each row's
    person's known dishes other than the row's own, in the history's order, at most RECENT_LIMIT.

    Leaving the row's own dish out keeps the label out of the bag; at ranking time the whole
    history is the bag and the candidates are the dishes outside it, as in training.

    Args:
        user_ids: person of each row.
        dish_ids: dish of each row.
        history: user id -> that person's known dish ids (e.g. their training positives).

    Returns:
        One `|`-joined bag per row (object array).
    """
    bags = [
        LIST_JOIN.join([d for d in history.get(str(user), ()) if d != str(dish)][:RECENT_LIMIT])
        for user, dish in zip(user_ids, dish_ids, strict=True)
    ]
    return typed_column(bags, "string")


def sample_negatives(
    positives: Columns,
    pool: DishPool,
    *,
    per_positive: int,
    rng: np.random.Generator,
    exclude: Mapping[str, Collection[str]] | None = None,
) -> Columns:
    """Fresh negatives for positives that came without their slate: the same person, query and
    moment with another dish of the pool (never the positive's own dish, nor one of `exclude`).

    Args:
        positives: example columns of the positives to pair (orders and ratings).
        pool: the dishes to draw from.
        per_positive: negatives per positive.
        rng: the generator (a new draw each epoch gives fresh negatives).
        exclude: user id -> dish ids never to draw for that person (e.g. every dish they rated
            in training: on a rating history a rated dish is known, not a negative).

    Returns:
        Example columns of the negatives (label 0, source "sampled", no position).

    Raises:
        ValueError: a person's excluded dishes leave nothing in the pool to draw.
    """
    count = columns_length(positives)
    if count == 0 or per_positive <= 0 or len(pool) < 2:
        return columns_concat([])
    rows = np.repeat(np.arange(count), per_positive)
    pool_ids = pool.columns["dish_id"]
    own = positives["dish_id"][rows]
    users = positives["user_id"][rows]
    if exclude:
        pool_set = {str(d) for d in pool_ids}
        for user, dish in set(zip(users, own, strict=True)):
            if len(pool_set - {str(dish)} - set(exclude.get(str(user), ()))) == 0:
                raise ValueError(f"user {user}: every dish of the pool is excluded")

    def blocked(rows_at: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        clash = pool_ids[drawn] == own[rows_at]
        if exclude:
            clash |= np.fromiter(
                (
                    str(d) in exclude.get(str(u), ())
                    for u, d in zip(users[rows_at], pool_ids[drawn], strict=True)
                ),
                dtype=bool,
                count=len(rows_at),
            )
        return clash

    draws = rng.integers(0, len(pool), size=len(rows))
    pending = np.flatnonzero(blocked(np.arange(len(rows)), draws))
    while pending.size:
        draws[pending] = rng.integers(0, len(pool), size=pending.size)
        pending = pending[blocked(pending, draws[pending])]
    negatives = columns_take(positives, rows)
    for name, values in pool.columns.items():
        negatives[name] = values[draws]
    negatives["dish_popularity"] = pool.popularity_at(draws, negatives["timestamp"])
    negatives["text_match"], negatives["name_overlap"] = relevance_columns(
        list(negatives["query"]), draws, pool
    )
    negatives["home_distance_km"] = home_distances(
        negatives["user_latitude"],
        negatives["user_longitude"],
        negatives["dish_latitude"],
        negatives["dish_longitude"],
    )
    negatives["position"] = np.full(len(rows), NO_POSITION, dtype=np.int64)
    negatives["source"] = typed_column([SOURCE_SAMPLED] * len(rows), "string")
    negatives[LABEL] = np.zeros(len(rows), dtype=np.int64)
    return negatives


def epoch_examples(
    logged: Columns,
    pool: DishPool | None,
    *,
    per_positive: int,
    seed: int | None,
    exclude: Mapping[str, Collection[str]] | None = None,
) -> Callable[[int], Examples]:
    """The training examples of each epoch: the logged ones plus negatives drawn afresh.

    A fixed set of sampled negatives is memorised within a few passes (measured on imported
    histories: ranking quality collapses when trained longer); new negatives every epoch keep
    teaching the model what people did not choose. `exclude` (user id -> dish ids) is passed
    to `sample_negatives`. The logged examples are converted once and every epoch joins the same
    object to its negatives (`examples_join`), so training encodes them once for the run.
    """
    from recommender.training import examples_join

    source = logged["source"]
    needing = np.flatnonzero(
        (logged[LABEL] == 1) & np.isin(source, np.array(UNSHOWN_SOURCES, dtype=object))
    )
    positives = columns_take(logged, needing)
    converted: list[Examples] = []

    def logged_examples() -> Examples:
        if not converted:
            converted.append(to_examples(logged))
        return converted[0]

    def examples_for(epoch: int) -> Examples:
        if pool is None or per_positive <= 0 or not len(needing):
            return logged_examples()
        rng = np.random.default_rng(None if seed is None else [seed, epoch])
        negatives = sample_negatives(
            positives, pool, per_positive=per_positive, rng=rng, exclude=exclude
        )
        return examples_join([logged_examples(), to_examples(negatives)])

    return examples_for


def to_examples(columns: Columns) -> Examples:
    """Model-ready examples of the food spec from example columns."""
    from recommender.features import columns_to_arrays
    from recommender.training import Examples

    return Examples(
        features=columns_to_arrays(FOOD_SPEC, columns),
        labels=np.asarray(columns[LABEL], dtype=np.float32),
    )


def event_groups(columns: Columns) -> np.ndarray:
    """Group id of each example for ranking metrics: a positive with its sampled negatives share
    the event id; impressions of one slate share person, query and moment (to the minute)."""
    keys = [
        f"e{event}" if source in UNSHOWN_SOURCES or source == SOURCE_SAMPLED else f"s{u}|{q}|{t}"
        for event, source, u, q, t in zip(
            columns["event_id"],
            columns["source"],
            columns["user_id"],
            columns["query"],
            (columns["timestamp"] // 60).astype(np.int64),
            strict=True,
        )
    ]
    _, groups = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    return np.asarray(groups)


@dataclass(frozen=True)
class FoodTraining:
    """Training settings of the food models (measured defaults; see the README).

    Args:
        epochs: maximum passes (early stopping may end sooner).
        batch_size: examples per step.
        patience: epochs without a better monitored metric before stopping.
        wide_learning_rate: FTRL rate of the wide part.
        deep_learning_rate: Adam rate of the deep part.
        hidden_units: the deep tower.
        negatives_per_positive: fresh sampled negatives per unshown positive, each epoch.
    """

    epochs: int = 6
    batch_size: int = 512
    patience: int = 2
    wide_learning_rate: float = 0.2
    deep_learning_rate: float = 0.001
    hidden_units: tuple[int, ...] = (128, 64)
    negatives_per_positive: int = 4


FOOD_TRAINING = FoodTraining()
RANKING_K = 10
DISH_EMBEDDINGS_FILE = "dish_embeddings.json"


def ranking_metrics(
    columns: Columns, probabilities: np.ndarray, *, prefix: str = ""
) -> dict[str, float]:
    """nDCG@10 and recall@10 over the examples' groups (slates, or positives with negatives)."""
    from recommender.evaluation import grouped_ranking_metrics

    if not columns_length(columns):
        return {}
    found = grouped_ranking_metrics(
        event_groups(columns), np.asarray(columns[LABEL]), probabilities, k=RANKING_K
    )
    return {f"{prefix}{key}": float(value) for key, value in found.items()}


def train_and_export(
    *,
    models_dir: Path,
    model_type: str,
    train: Columns,
    validation: Columns,
    test: Columns,
    pool: DishPool | None,
    name: str | None = None,
    epochs: int | None = None,
    seed: int | None = 42,
    settings: FoodTraining = FOOD_TRAINING,
    data_summary: Mapping[str, Any] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    log_dir: Path | None = None,
    warm_start: Path | None = None,
    negatives_exclude: Mapping[str, Collection[str]] | None = None,
    validation_score: ValidationScore | None = None,
    strategy: Any = None,
) -> ExportResult:
    """Train one food model on logged examples, evaluate it on the test split, export a version.

    Args:
        models_dir: root of the model store.
        model_type: "wide", "deep" or "wide_deep".
        train: training example columns (logged: impressions, orders, ratings).
        validation: validation columns (with their sampled negatives), for early stopping.
        test: test columns (with their sampled negatives), for the exported metrics.
        pool: dishes for fresh negatives each epoch (None: no sampling).
        name: model name in the store (default MODEL_NAMES[model_type]).
        epochs: maximum epochs (default settings.epochs).
        seed: seeds initialisation, shuffling and negatives (None: not reproducible).
        settings: training settings.
        data_summary: description of the data, stored in the metadata.
        progress: progress callback (see recommender.training.train_model).
        log_dir: TensorBoard log folder.
        warm_start: the active version's folder to start from when its feature spec allows it
            (recommender.warm_start); the metadata's "start" says whether it did, or why not.
        negatives_exclude: user id -> dish ids never sampled as that person's negatives.
        validation_score: per-epoch validation metrics replacing the default ranking of the
            validation groups (e.g. the held-out protocol of recommender.holdout); early
            stopping follows its "val_ndcg@10" when the training examples are mostly unshown.
        strategy: a tf.distribute strategy (`recommender.distribution`), None for none.

    Returns:
        The exported version; its metrics hold AUC, log loss, nDCG@10 and recall@10 on test.
    """
    import json

    from recommender.model import ModelConfig
    from recommender.pipeline import train_evaluate_export
    from recommender.training import TrainConfig, predict_probabilities

    if model_type not in MODEL_NAMES:
        raise ValueError(f"model_type: expected one of {sorted(MODEL_NAMES)}, got {model_type!r}")
    if not columns_length(train):
        raise ValueError("no training examples: the interaction log is empty")
    examples_for = epoch_examples(
        train,
        pool,
        per_positive=settings.negatives_per_positive,
        seed=seed,
        exclude=negatives_exclude,
    )
    # The first epoch's examples, for adapting the features (joined: read column by column,
    # no copy kept) and then training.
    cached = [examples_for(1)]
    adapt_on = cached[0].features
    unshown = bool(np.isin(train["source"], np.array(UNSHOWN_SOURCES, dtype=object)).mean() > 0.5)
    monitor = "val_ndcg@10" if unshown else "val_auc"
    validation_examples = to_examples(validation) if columns_length(validation) else None
    test_examples = to_examples(test)

    def validation_ranking(model: Any, run: Callable[..., Any]) -> Mapping[str, float]:
        if validation_score is not None:
            return validation_score(model, run)
        if validation_examples is None:
            return {}
        probabilities = predict_probabilities(model, validation_examples, run)
        return ranking_metrics(validation, probabilities, prefix="val_")

    def test_metrics(model: Any, run: Callable[..., Any]) -> dict[str, float]:
        probabilities = predict_probabilities(model, test_examples, run)
        return ranking_metrics(test, probabilities)

    def extra_files(model: Any) -> dict[str, bytes]:
        from recommender.model import embedding_table

        try:
            table = embedding_table(model, "dish_id")
        except KeyError:
            return {}
        # The lookup layer's vocabulary names each row: OOV bucket(s) first, then dish ids.
        tokens = [str(t) for t in model.get_layer("dish_id_lookup").get_vocabulary()]
        content = {"tokens": tokens, "vectors": table.round(5).tolist()}
        return {DISH_EMBEDDINGS_FILE: json.dumps(content).encode()}

    def train_source(epoch: int) -> Examples:
        if epoch == 1 and cached:
            return cached.pop()
        return examples_for(epoch)

    typed: Any = model_type
    return train_evaluate_export(
        spec=FOOD_SPEC,
        train_columns=adapt_on,
        train=train_source,
        validation=validation_examples,
        test=test_examples,
        model_config=ModelConfig(model_type=typed, hidden_units=settings.hidden_units),
        train_config=TrainConfig(
            epochs=epochs or settings.epochs,
            batch_size=settings.batch_size,
            patience=settings.patience,
            seed=seed,
            wide_learning_rate=settings.wide_learning_rate,
            deep_learning_rate=settings.deep_learning_rate,
            monitor=monitor,
        ),
        validation_score=validation_ranking,
        test_metrics=test_metrics,
        extra_files=extra_files,
        models_dir=models_dir,
        name=name or MODEL_NAMES[model_type],
        data_summary={**(data_summary or {}), "monitor": monitor},
        progress=progress,
        log_dir=log_dir,
        warm_start=warm_start,
        strategy=strategy,
    )
