"""Optimal reviewer assignment: maximise total affinity under demands, loads, conflicts and panel rules.

Pure Python with OR-Tools and numpy; no Django, so the command line, the benchmark and the background
task share it (import-linter keeps it so, for every module of the package). The modules:
:mod:`.problem` (the types), :mod:`.indexing` (the problem as arrays), :mod:`.flow` (the network),
:mod:`.cpsat` (both panel rules when they cross), :mod:`.explain` (infeasibility), :mod:`.alternates`
and :mod:`.solving` (:func:`solve`). Import the names below from this package.

**The model.** One min-cost flow (OR-Tools ``SimpleMinCostFlow``) on the sparse eligible pairs:

    source ──[max_load − min_load]──▶ reviewer ──[1, −cost(score)]──▶ item ══[demand]══▶ (sink)

A pair is eligible when it has a score, is not a conflict and is not forced. Lower bounds become
node supplies (the textbook transformation): a reviewer's ``min_load`` is a supply of its own, an
item's ``demand`` is a demand of that node, a forced pair moves one unit of supply from the reviewer
to the node its arc would enter. Panel rules are node splits, per item:

- *no two reviewers from one organisation*: the eligible (and forced) reviewers of one organisation
  on an item enter a node ``(item, organisation)`` whose single arc onward has capacity 1;
- *at least one industry expert*: industry reviewers (or their organisation nodes) enter a node
  ``(item, industry)`` whose arc to the item has a lower bound of 1.

Both rules together stay a flow (a tree of nested capacities under each item) as long as each
organisation node of an item holds only industry or only non-industry reviewers, which is the usual
case (an organisation is a company or it is not). When some organisation mixes both on one item the
two families of sets cross, the constraint matrix is no longer a network matrix, and the same model is
solved exactly with CP-SAT instead (``Solution.method == "cp-sat"``).

**Exactness.** A flow's constraint matrix is totally unimodular, so the integral min-cost flow is an
optimum over all fractional assignments too; the LP relaxation of the plain b-matching (HiGHS in the
benchmark) reaches the same total.

**Rounding.** Scores are floats; the flow needs integer costs. Each score is divided by ``unit =
max|score| / SCALE`` and rounded to the nearest integer (``SCALE`` = 1,000,000), so each pair's cost
is off by at most half a unit. An assignment of ``D`` reviews changes total by at most ``D × unit / 2``
under rounding, so ours is within ``D × unit`` of the true optimum: for scores in [0, 1] and 6,000
reviews, 0.006 at worst (the benchmark measures the real gap against HiGHS).

**Infeasibility.** When no assignment exists, the same graph is solved again with an artificial node
that may supply or absorb any node's imbalance at cost 1 per unit and real costs set to 0: the
minimum artificial flow names the items short of reviews (and by how many), the items whose industry
rule cannot be met, reviewers who cannot reach their minimum load, and forced pairs that overfill an
item or a reviewer. :class:`Infeasible` carries one :class:`Shortfall` per short item with counts of
the candidates lost to each cause. It is one smallest explanation; when items compete for the same
few reviewers, another item could have been the one left short.

**Alternates.** Per item, the best-scored reviewers who could step in for one who drops out: not
conflicted, not on the item, with load left, and (under the organisation rule) from an organisation
not yet on the item (:mod:`.alternates`).

**Progress and cancel.** ``progress(fraction)`` is called between phases and ``cancelled()`` checked
there (and polled during a CP-SAT search); a cancel raises :class:`Cancelled`.
"""

from kechuang.review.assignment.problem import (
    SCALE,
    Cancelled,
    Infeasible,
    Item,
    Problem,
    Reviewer,
    Shortfall,
    Solution,
)
from kechuang.review.assignment.solving import solve

__all__ = [
    "SCALE",
    "Cancelled",
    "Infeasible",
    "Item",
    "Problem",
    "Reviewer",
    "Shortfall",
    "Solution",
    "solve",
]
