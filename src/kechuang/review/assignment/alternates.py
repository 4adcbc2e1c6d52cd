"""Which unassigned reviewers may stand by for an item, once the assignment is known.

An alternate is promoted when one of the item's reviewers drops out, so she must be one the solver
could have put there and still could: a free pair (scored, not conflicted, not forced) that was not
chosen, whose reviewer has load left after the assignment. Under ``distinct_organizations`` she must
also come from none of the organisations already on the item: whoever leaves, her arrival keeps the
rule (an alternate from the leaver's own organisation would qualify only for that one departure, and
the list does not know who will leave). Ranking by score is left to the caller.

The industry rule is not applied: a non-industry alternate replacing the item's only industry expert
would break it, but so would any list that does not know who leaves; the operator sees the panel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kechuang.review.assignment.indexing import Indexed


def eligible_alternates(ix: Indexed, chosen: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Per free pair: may its reviewer stand by for its item, given the free pairs ``chosen``?"""
    n_revs = ix.sizes[1]
    loads = np.bincount(ix.pair_rev[chosen], minlength=n_revs) + np.bincount(ix.forced_rev, minlength=n_revs)
    able = ~chosen & (loads[ix.pair_rev] < ix.max_load[ix.pair_rev])
    if ix.problem.distinct_organizations and len(ix.org) and int(ix.org.max()) >= 0:
        n_orgs = int(ix.org.max()) + 1
        on_item = np.concatenate([ix.pair_item[chosen], ix.forced_item])
        their_org = ix.org[np.concatenate([ix.pair_rev[chosen], ix.forced_rev])]
        seated = on_item[their_org >= 0] * n_orgs + their_org[their_org >= 0]
        candidate_org = ix.org[ix.pair_rev]
        taken = np.isin(ix.pair_item * n_orgs + candidate_org, seated) & (candidate_org >= 0)
        able &= ~taken
    return able
