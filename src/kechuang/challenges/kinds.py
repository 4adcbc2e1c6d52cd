"""The challenges app's kinds of ledger record, registered when the app is ready.

All are public: money promised, awarded and paid for a published list is public information, so
anyone may read the entries and verify their receipts offline.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kechuang.ledger.kinds import Kind, register

ESCROW = register(Kind(name="challenge.escrow", version=1, label=_("Challenge bounty escrowed"), public=True))
AWARD = register(Kind(name="challenge.award", version=1, label=_("Challenge awarded"), public=True))
AGREEMENT = register(Kind(name="challenge.agreement", version=2, label=_("Challenge agreement"), public=True))
ACCEPTANCE = register(
    Kind(name="challenge.milestone_acceptance", version=1, label=_("Challenge milestone accepted"), public=True)
)
RELEASE = register(
    Kind(name="challenge.tranche_release", version=1, label=_("Challenge tranche released"), public=True)
)
GATE = register(Kind(name="challenge.stage_gate", version=1, label=_("Challenge stage-gate decision"), public=True))
# Version 2: the record names the tranches still owed (owed_fen, owed) and returns only the rest.
CLOSURE = register(Kind(name="challenge.closure", version=2, label=_("Challenge completed or terminated"), public=True))
DILIGENCE = register(
    Kind(name="challenge.diligence", version=1, label=_("Challenge due-diligence record"), public=True)
)
