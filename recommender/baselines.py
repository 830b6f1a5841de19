"""Non-learnt baselines for implicit feedback: item popularity and item-item kNN.

Both fit on train (user, item) positive pairs and score with the interface of
recommender.holdout: `scorer(user, items) -> (len(items),)` and
`scorer.score_batch(users, items) -> (len(users), len(items))`. Items or people never seen in
training score 0.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from recommender.holdout import index_of

KNN_NEIGHBOURS = 50


def _unique_pairs(users: ArrayLike, items: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Aligned 1-D user and item arrays with repeated (user, item) pairs dropped."""
    u = np.asarray(users).reshape(-1)
    i = np.asarray(items).reshape(-1)
    if u.size != i.size:
        raise ValueError(f"users and items differ in length: {u.size} != {i.size}")
    if u.size == 0:
        raise ValueError("no training pairs to fit on")
    _, user_codes = np.unique(u, return_inverse=True)
    _, item_codes = np.unique(i, return_inverse=True)
    _, first = np.unique(
        np.stack([user_codes.reshape(-1), item_codes.reshape(-1)], axis=1),
        axis=0,
        return_index=True,
    )
    first.sort()
    return u[first], i[first]


class PopularityScorer:
    """Score of an item = number of distinct people with a train positive on it.

    The same list for everyone: the floor a personalised model must clear.
    """

    def __init__(self) -> None:
        self.items_: np.ndarray = np.zeros(0)
        self.counts_: np.ndarray = np.zeros(0)

    def fit(self, users: ArrayLike, items: ArrayLike) -> PopularityScorer:
        """Count positives per item.

        Args:
            users: (n,) person of each train positive.
            items: (n,) item of each train positive; repeated pairs count once.

        Returns:
            self, fitted.
        """
        _, unique_items = _unique_pairs(users, items)
        self.items_, counts = np.unique(unique_items, return_counts=True)
        self.counts_ = counts.astype(np.float64)
        return self

    def __call__(self, user: object, items: ArrayLike) -> np.ndarray:
        """Popularity of each item (the user is ignored)."""
        positions, found = index_of(self.items_, items)
        return np.where(found, self.counts_[positions] if self.counts_.size else 0.0, 0.0)

    def score_batch(self, users: ArrayLike, items: ArrayLike) -> np.ndarray:
        """(len(users), len(items)) popularity, the same row for every user."""
        row = self(None, items)
        return np.broadcast_to(row, (np.asarray(users).reshape(-1).size, row.size)).copy()


class ItemKNNScorer:
    """Item-item collaborative filtering with cosine similarity on the train positives.

    With X the binary people x items matrix of train positives, the similarity of items i and j
    is X_i . X_j / (|X_i| |X_j| + shrinkage), i.e. the cosine of their columns, shrunk toward 0
    when few people support it. Each item keeps only its `neighbours` most similar items, and
    score(user, j) = sum of sim(i, j) over the user's train items i among j's neighbours
    (Sarwar et al., 2001; Deshpande & Karypis, 2004).

    Args:
        neighbours: neighbours kept per item (None: all).
        shrinkage: added to the denominator, >= 0 (0: plain cosine).
    """

    def __init__(self, neighbours: int | None = KNN_NEIGHBOURS, shrinkage: float = 0.0) -> None:
        if neighbours is not None and neighbours < 1:
            raise ValueError(f"neighbours must be at least 1 or None, got {neighbours}")
        if shrinkage < 0:
            raise ValueError(f"shrinkage must be >= 0, got {shrinkage}")
        self.neighbours = neighbours
        self.shrinkage = shrinkage
        self.users_: np.ndarray = np.zeros(0)
        self.items_: np.ndarray = np.zeros(0)
        self.interactions_: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.similarity_: sp.csr_matrix = sp.csr_matrix((0, 0))

    def fit(self, users: ArrayLike, items: ArrayLike) -> ItemKNNScorer:
        """Build the pruned item-item similarity matrix.

        Args:
            users: (n,) person of each train positive.
            items: (n,) item of each train positive; repeated pairs count once.

        Returns:
            self, fitted.
        """
        u, i = _unique_pairs(users, items)
        self.users_, user_codes = np.unique(u, return_inverse=True)
        self.items_, item_codes = np.unique(i, return_inverse=True)
        shape = (self.users_.size, self.items_.size)
        x = sp.csr_matrix(
            (np.ones(u.size), (user_codes.reshape(-1), item_codes.reshape(-1))), shape=shape
        )
        co = (x.T @ x).tocsr()
        norms = np.sqrt(co.diagonal())
        co.setdiag(0.0)
        co.eliminate_zeros()
        rows = np.repeat(np.arange(co.shape[0]), np.diff(co.indptr))
        co.data = co.data / (norms[rows] * norms[co.indices] + self.shrinkage)
        self.interactions_ = x
        self.similarity_ = self._keep_top(co)
        return self

    def _keep_top(self, similarity: sp.csr_matrix) -> sp.csr_matrix:
        """Keep, in each row j, the `neighbours` largest similarities (ties: lower item first)."""
        if self.neighbours is None:
            return similarity
        data, indices, indptr = similarity.data, similarity.indices, similarity.indptr
        keep = np.zeros(data.size, dtype=bool)
        for row in range(similarity.shape[0]):
            start, stop = indptr[row], indptr[row + 1]
            if stop - start <= self.neighbours:
                keep[start:stop] = True
                continue
            order = np.lexsort((indices[start:stop], -data[start:stop]))
            keep[start + order[: self.neighbours]] = True
        pruned = sp.csr_matrix((np.where(keep, data, 0.0), indices, indptr), shape=similarity.shape)
        pruned.eliminate_zeros()
        return pruned

    def score_batch(self, users: ArrayLike, items: ArrayLike) -> np.ndarray:
        """(len(users), len(items)) scores: summed similarity of each item to each user's items."""
        u = np.asarray(users).reshape(-1)
        wanted = np.asarray(items).reshape(-1)
        user_positions, user_found = index_of(self.users_, u)
        item_positions, item_found = index_of(self.items_, wanted)
        scores = np.zeros((u.size, wanted.size))
        if not user_found.any() or not item_found.any():
            return scores
        known_users = np.flatnonzero(user_found)
        known_items = np.flatnonzero(item_found)
        history = self.interactions_[user_positions[known_users]]
        # score(u, j) = sum_i X[u, i] * S[j, i]: the rows of S are the targets.
        neighbourhood = self.similarity_[item_positions[known_items]]
        found = (history @ neighbourhood.T).toarray()
        scores[np.ix_(known_users, known_items)] = found
        return scores

    def __call__(self, user: object, items: ArrayLike) -> np.ndarray:
        """Scores of `items` for one user."""
        return self.score_batch(np.asarray([user]), items)[0]
