"""Score arithmetic of a call, as pure functions (no Django): weighted means, per-reviewer
normalisation, disagreement flags and inter-rater agreement.

Definitions (the operator page says the same in words):

* **Weighted score** of one review, on 0–100: each criterion's score is mapped linearly from its
  scale ``[min, max]`` to ``[0, 1]``, multiplied by its weight (percent, weights sum to 100) and
  the products summed. So a review giving every criterion its top score scores 100.
* **Standard deviations** are population SDs (divide by *n*), everywhere.
* **Normalised score** of a review by reviewer *r*: ``M + S · (x − m_r) / s_r`` where ``x`` is the
  raw weighted score, ``m_r, s_r`` the mean and SD of *r*'s submitted raw scores in the call, and
  ``M, S`` the mean and SD of all submitted raw scores in the call. A reviewer with a single
  review keeps her raw score (one score says nothing about her habits); a reviewer whose scores
  are all equal (``s_r = 0``) gets ``M`` for each (she expressed no preference between items).
* **Spread** of an item: max − min of its raw review scores (0 with fewer than two reviews).
* **Flagged**: spread > 2 · S, where ``S`` is the call-wide SD above (an item with fewer than two
  reviews, or a call whose scores are all equal, is never flagged). A flagged item needs a
  reconciliation note before it is decided.
* **Agreement**: ICC(1), the one-way random-effects intra-class correlation for a single rater
  (Shrout & Fleiss 1979, case 1), in its unbalanced form: ``(MSB − MSW) / (MSB + (k₀ − 1)·MSW)``
  with ``k₀ = (N − Σ nᵢ² / N) / (a − 1)`` over the *a* items with at least one review, *N* reviews
  in all. It is undefined (None) with fewer than two such items or no item with two reviews, or
  when there is no variance at all. One-way because each item has its own set of reviewers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Scale:
    """One criterion as the arithmetic needs it."""

    key: str
    weight: int
    low: int
    high: int


@dataclass(frozen=True)
class Scored:
    """One submitted review: who, what, and its raw weighted score on 0–100."""

    reviewer: Hashable
    item: Hashable
    raw: float


def weighted(scores: Mapping[str, int | float], scales: Sequence[Scale]) -> float:
    """The weighted score on 0–100 of one review (``scores`` keyed like ``Scale.key``)."""
    total = 0.0
    for scale in scales:
        share = (float(scores[scale.key]) - scale.low) / (scale.high - scale.low)
        total += scale.weight * share
    return total


def mean(values: Iterable[float]) -> float | None:
    numbers = list(values)
    return sum(numbers) / len(numbers) if numbers else None


def population_sd(values: Iterable[float]) -> float | None:
    numbers = list(values)
    centre = mean(numbers)
    if centre is None:
        return None
    return math.sqrt(sum((x - centre) ** 2 for x in numbers) / len(numbers))


def normalised(reviews: Sequence[Scored]) -> dict[tuple[Hashable, Hashable], float]:
    """Each review's normalised score, keyed by (reviewer, item); see the module docstring."""
    raws = [review.raw for review in reviews]
    call_mean, call_sd = mean(raws), population_sd(raws)
    by_reviewer: dict[Hashable, list[float]] = defaultdict(list)
    for review in reviews:
        by_reviewer[review.reviewer].append(review.raw)
    out: dict[tuple[Hashable, Hashable], float] = {}
    for review in reviews:
        own = by_reviewer[review.reviewer]
        if len(own) < 2 or call_mean is None or call_sd is None:
            out[(review.reviewer, review.item)] = review.raw
            continue
        own_mean = sum(own) / len(own)
        own_sd = math.sqrt(sum((x - own_mean) ** 2 for x in own) / len(own))
        if own_sd == 0:
            out[(review.reviewer, review.item)] = call_mean
        else:
            out[(review.reviewer, review.item)] = call_mean + call_sd * (review.raw - own_mean) / own_sd
    return out


def spread(values: Sequence[float]) -> float:
    return max(values) - min(values) if len(values) >= 2 else 0.0


def flagged(values: Sequence[float], call_sd: float | None) -> bool:
    """Whether an item's raw scores disagree by more than twice the call's SD."""
    return len(values) >= 2 and call_sd is not None and call_sd > 0 and spread(values) > 2 * call_sd


def icc1(groups: Mapping[K, Sequence[float]]) -> float | None:
    """ICC(1) over the items' raw scores (``groups`` maps an item to its scores); see the module docstring."""
    rated = {key: list(values) for key, values in groups.items() if values}
    a = len(rated)
    n_total = sum(len(values) for values in rated.values())
    if a < 2 or n_total <= a:
        return None
    grand = sum(sum(values) for values in rated.values()) / n_total
    between = sum(len(values) * ((sum(values) / len(values)) - grand) ** 2 for values in rated.values())
    within = sum(sum((x - sum(values) / len(values)) ** 2 for x in values) for values in rated.values())
    msb = between / (a - 1)
    msw = within / (n_total - a)
    k0 = (n_total - sum(len(values) ** 2 for values in rated.values()) / n_total) / (a - 1)
    denominator = msb + (k0 - 1) * msw
    if denominator == 0:
        return None
    return (msb - msw) / denominator
