"""Evaluation metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recommender.evaluation import (
    Z_95,
    accuracy,
    calibration_bins,
    catalogue_coverage,
    classification_report,
    cosine_distances,
    difference_ci95,
    expected_calibration_error,
    grouped_ranking_metrics,
    intra_list_diversity,
    log_loss,
    mean_ci95,
    ndcg_at_k,
    ndcg_recall_from_hits,
    paired_difference_ci95,
    per_group_ranking_metrics,
    precision_recall,
    ranking_report,
    recall_at_k,
    reciprocal_rank,
    roc_auc,
    roc_curve,
    roc_points,
)


def test_roc_auc_by_hand():
    # pairs (pos, neg): 0.35>0.1 yes, 0.35>0.4 no, 0.8>both yes -> 3 of 4
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_roc_auc_counts_ties_as_half():
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == pytest.approx((0.5 + 1 + 1 + 1) / 4)


def test_roc_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        roc_auc([1, 1], [0.2, 0.3])


def test_roc_auc_and_log_loss_agree_with_scikit_learn():
    from sklearn.metrics import log_loss as sk_log_loss
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.round(rng.random(500), 2)  # rounding makes ties
    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    probabilities = np.clip(scores, 0.01, 0.99)
    assert log_loss(labels, probabilities) == pytest.approx(
        sk_log_loss(labels, probabilities), abs=1e-12
    )


def test_log_loss_by_hand():
    expected = -(math.log(0.8) + math.log(0.7)) / 2
    assert log_loss([1, 0], [0.8, 0.3]) == pytest.approx(expected)


def test_log_loss_clips_certain_mistakes():
    assert math.isfinite(log_loss([1], [0.0]))


def test_accuracy_precision_recall_by_hand():
    labels, probabilities = [1, 0, 1, 0], [0.9, 0.6, 0.4, 0.2]
    assert accuracy(labels, probabilities) == pytest.approx(0.5)
    assert precision_recall(labels, probabilities) == pytest.approx((0.5, 0.5))


def test_expected_calibration_error_by_hand():
    labels = [0, 1, 1, 1]
    probabilities = [0.15, 0.15, 0.85, 0.85]
    # bin 0.1-0.2: |0.5 - 0.15| * 2/4; bin 0.8-0.9: |1.0 - 0.85| * 2/4
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.25)
    bins = calibration_bins(labels, probabilities)
    assert [(b["lower"], b["count"]) for b in bins] == [(0.1, 2), (0.8, 2)]
    assert bins[0]["fraction_positive"] == pytest.approx(0.5)


def test_probability_one_falls_in_the_last_bin():
    assert calibration_bins([1], [1.0])[0]["upper"] == pytest.approx(1.0)


def test_roc_curve_runs_from_origin_to_one():
    fpr, tpr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert (fpr[0], tpr[0]) == (0.0, 0.0)
    assert (fpr[-1], tpr[-1]) == (1.0, 1.0)
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 0.5, 1.0])
    points = roc_points([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], points=5)
    assert points == [[0.0, 0.5], [0.25, 0.5], [0.5, 1.0], [0.75, 1.0], [1.0, 1.0]]


def test_classification_report_has_plot_points():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 300)
    report = classification_report(labels, rng.random(300))
    assert len(report["roc_curve"]) == 51
    assert 1 <= len(report["calibration"]) <= 10
    assert report["examples"] == 300
    assert {"accuracy", "roc_auc", "log_loss", "precision", "recall", "ece"} <= report.keys()


def test_ndcg_at_k_by_hand():
    ranked = [3, 2, 3, 0, 1, 2]
    dcg = 3 + 2 / math.log2(3) + 3 / 2
    ideal = 3 + 3 / math.log2(3) + 2 / 2
    assert ndcg_at_k(ranked, 3) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([0, 0, 1], 2) == 0.0
    assert ndcg_at_k([1, 1, 0], 2) == pytest.approx(1.0)


def test_recall_at_k_by_hand():
    assert recall_at_k([0, 1, 0, 1, 1], 2) == pytest.approx(1 / 3)
    assert recall_at_k([0, 1, 0, 1, 1], 2, total_relevant=4) == pytest.approx(1 / 4)
    assert recall_at_k([0, 0], 2) == 0.0


def test_mrr_by_hand():
    assert reciprocal_rank([0, 0, 1]) == pytest.approx(1 / 3)
    report = ranking_report([[0, 0, 1], [1, 0], [0, 0]], k=2)
    assert report["mrr"] == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert report["recall@2"] == pytest.approx((0 + 1 + 0) / 3)
    assert report["queries"] == 3


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="length"):
        accuracy([1, 0], [0.5])


def test_catalogue_coverage_counts_distinct_items_once():
    assert catalogue_coverage([[1, 2], [2, 3], [3]], 10) == pytest.approx(0.3)
    assert catalogue_coverage(np.array([[1, 2], [2, 1]]), 4) == pytest.approx(0.5)
    assert catalogue_coverage([["pho", "ramen"], []], 2) == pytest.approx(1.0)
    assert catalogue_coverage([], 5) == 0.0


def test_catalogue_coverage_refuses_impossible_catalogues():
    with pytest.raises(ValueError, match="more than the catalogue"):
        catalogue_coverage([[1, 2, 3]], 2)
    with pytest.raises(ValueError, match="positive"):
        catalogue_coverage([[1]], 0)


def test_cosine_distances_by_hand():
    d = cosine_distances([[1, 0], [0, 2], [1, 1], [-3, 0], [0, 0]])
    assert d[0, 1] == pytest.approx(1.0)
    assert d[0, 2] == pytest.approx(1 - 1 / math.sqrt(2))
    assert d[0, 3] == pytest.approx(2.0)
    assert d[1, 1] == pytest.approx(0.0)
    assert d[4, 0] == pytest.approx(1.0)  # a zero vector is orthogonal to everything


def test_intra_list_diversity_by_hand():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]])
    three = (1 + 2 * (1 - 1 / math.sqrt(2))) / 3
    assert intra_list_diversity([[0, 1]], vectors) == pytest.approx(1.0)
    assert intra_list_diversity([[0, 3]], vectors) == pytest.approx(0.0)  # same direction
    assert intra_list_diversity([[0, 1, 2]], vectors) == pytest.approx(three)
    # slates are averaged unweighted; a one-item slate has no pairs and is left out
    assert intra_list_diversity([[0, 1], [0, 3], [2]], vectors) == pytest.approx(0.5)


def test_intra_list_diversity_takes_a_mapping_or_a_distance():
    by_name = {"pho": [1.0, 0.0], "ramen": [1.0, 0.0], "tiramisu": [0.0, 1.0]}
    slates = [["pho", "ramen", "tiramisu"]]
    assert intra_list_diversity(slates, by_name) == pytest.approx(2 / 3)
    courses = {"pho": "main", "ramen": "main", "tiramisu": "dessert"}

    def different_course(a, b):
        return float(courses[a] != courses[b])

    assert intra_list_diversity(slates, distance=different_course) == pytest.approx(2 / 3)


def test_intra_list_diversity_needs_one_source_and_a_pair():
    with pytest.raises(ValueError, match="exactly one"):
        intra_list_diversity([[0, 1]])
    with pytest.raises(ValueError, match="exactly one"):
        intra_list_diversity([[0, 1]], np.eye(2), distance=lambda a, b: 1.0)
    with pytest.raises(ValueError, match="two items"):
        intra_list_diversity([[0], []], np.eye(2))


def test_mean_ci95_by_hand():
    mean, low, high = mean_ci95([1, 2, 3, 4])
    half = Z_95 * math.sqrt(5 / 3) / 2  # sample sd sqrt(5/3), n = 4
    assert (mean, low, high) == pytest.approx((2.5, 2.5 - half, 2.5 + half))
    assert round(Z_95, 2) == 1.96


def test_mean_ci95_single_value_and_bad_input():
    mean, low, high = mean_ci95([0.7])
    assert mean == pytest.approx(0.7)
    assert math.isnan(low) and math.isnan(high)
    with pytest.raises(ValueError, match="no values"):
        mean_ci95([])
    with pytest.raises(ValueError, match="finite"):
        mean_ci95([1.0, float("nan")])


def test_mean_ci95_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    trials = 2000
    for _ in range(trials):
        _, low, high = mean_ci95(rng.exponential(1.0, 200))  # skewed, true mean 1
        covered += low <= 1.0 <= high
    assert 0.93 <= covered / trials <= 0.965


def test_paired_difference_ci95_removes_between_unit_variance():
    rng = np.random.default_rng(1)
    people = rng.normal(0.5, 0.3, 400)  # people differ a lot
    a = people + 0.02 + rng.normal(0, 0.01, 400)
    b = people + rng.normal(0, 0.01, 400)
    diff, low, high = paired_difference_ci95(a, b)
    assert diff == pytest.approx(0.02, abs=0.003)
    assert 0.0 < low < diff < high
    _, a_low, a_high = mean_ci95(a)
    _, b_low, b_high = mean_ci95(b)
    assert a_low < b_high and b_low < a_high  # unpaired intervals overlap: no conclusion
    assert paired_difference_ci95([1, 2, 3], [1, 2, 3]) == pytest.approx((0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="length"):
        paired_difference_ci95([1, 2], [1])


def test_ndcg_recall_from_hits_agrees_with_the_single_list_metrics():
    rng = np.random.default_rng(2)
    hits = rng.random((50, 5)) < 0.3
    extra = rng.integers(0, 3, 50)  # relevant items below the cut-off
    counts = hits.sum(axis=1) + extra
    keep = counts > 0
    ndcg, recall = ndcg_recall_from_hits(hits[keep], counts[keep])
    for row, more, got_ndcg, got_recall in zip(hits[keep], extra[keep], ndcg, recall, strict=True):
        ranked = np.concatenate([row, np.ones(more)])  # the missed ones ranked after k
        assert got_ndcg == pytest.approx(ndcg_at_k(ranked, 5))
        assert got_recall == pytest.approx(recall_at_k(ranked, 5))
    with pytest.raises(ValueError, match="at least one relevant"):
        ndcg_recall_from_hits([[False]], [0])


def test_grouped_ranking_metrics_match_the_per_list_metrics():
    rng = np.random.default_rng(3)
    n = 3000
    groups = rng.integers(0, 200, n)
    labels = rng.choice([0, 0, 0, 1, 2], n).astype(float)
    scores = rng.random(n)
    keys, ndcg, recall = per_group_ranking_metrics(groups, labels, scores, k=5)
    expected_keys = []
    expected_ndcg = []
    expected_recall = []
    for group in np.unique(groups):
        rows = groups == group
        ranked = labels[rows][np.argsort(-scores[rows])]
        if ranked.max() > 0:
            expected_keys.append(group)
            expected_ndcg.append(ndcg_at_k(ranked, 5))
            expected_recall.append(recall_at_k(ranked, 5))
    np.testing.assert_array_equal(keys, expected_keys)
    np.testing.assert_allclose(ndcg, expected_ndcg)
    np.testing.assert_allclose(recall, expected_recall)
    report = grouped_ranking_metrics(groups, labels, scores, k=5)
    assert report["ndcg@5"] == pytest.approx(np.mean(expected_ndcg))
    assert report["recall@5"] == pytest.approx(np.mean(expected_recall))
    assert report["groups"] == len(expected_keys)
    assert report["groups"] + report["groups_without_positive"] == np.unique(groups).size


def test_grouped_ranking_metrics_by_hand_with_string_groups():
    groups = ["s1", "s1", "s1", "s2", "s2", "none", "none"]
    labels = [0, 1, 0, 1, 1, 0, 0]
    scores = [0.9, 0.5, 0.1, 0.2, 0.8, 0.3, 0.4]
    report = grouped_ranking_metrics(groups, labels, scores, k=1)
    # s1: the positive is second -> 0 at k=1; s2: both positive -> 1.0, recall 1/2
    assert report == pytest.approx(
        {"ndcg@1": 0.5, "recall@1": 0.25, "groups": 2, "groups_without_positive": 1}
    )
    report = grouped_ranking_metrics(groups, labels, scores, k=2)
    assert report["ndcg@2"] == pytest.approx((1 / math.log2(3) + 1) / 2)
    assert report["recall@2"] == pytest.approx(1.0)


def test_grouped_ranking_metrics_break_ties_in_row_order():
    report = grouped_ranking_metrics([7, 7], [0, 1], [0.5, 0.5], k=1)
    assert report["ndcg@1"] == 0.0
    report = grouped_ranking_metrics([7, 7], [1, 0], [0.5, 0.5], k=1)
    assert report["ndcg@1"] == 1.0


def test_grouped_ranking_metrics_refuse_bad_input():
    with pytest.raises(ValueError, match="length"):
        grouped_ranking_metrics([1, 1], [0, 1], [0.5])
    with pytest.raises(ValueError, match="finite"):
        grouped_ranking_metrics([1, 1], [0, 1], [0.5, float("nan")])
    with pytest.raises(ValueError, match="k must"):
        grouped_ranking_metrics([1], [1], [0.5], k=0)
    with pytest.raises(ValueError, match="non-negative"):
        grouped_ranking_metrics([1], [-1], [0.5])


def test_difference_ci95_by_hand():
    # a: mean 2, sample variance 1 (n 3); b: mean 0.5, sample variance 1/3 (n 4).
    difference, low, high = difference_ci95([1, 2, 3], [0, 0, 1, 1])
    half = Z_95 * math.sqrt(1 / 3 + (1 / 3) / 4)
    assert (difference, low, high) == pytest.approx((1.5, 1.5 - half, 1.5 + half))
    single = difference_ci95([1.0], [0.0, 1.0])
    assert single[0] == pytest.approx(0.5) and math.isnan(single[1]) and math.isnan(single[2])
    with pytest.raises(ValueError, match="no values"):
        difference_ci95([], [1.0])


def test_difference_ci95_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(2)
    trials = 1000
    covered = sum(
        low <= 0.1 <= high
        for _, low, high in (
            difference_ci95(rng.poisson(0.6, 300), rng.poisson(0.5, 200)) for _ in range(trials)
        )
    )
    assert 0.93 <= covered / trials <= 0.97
