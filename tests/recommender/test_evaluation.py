"""Evaluation metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recommender.evaluation import (
    accuracy,
    calibration_bins,
    classification_report,
    expected_calibration_error,
    log_loss,
    ndcg_at_k,
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
