"""The generic record kind: evidence (存证) of a document, by its digest, like ChainMaker's evidence contract."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kechuang.ledger.kinds import Kind, register

EVIDENCE = register(Kind(name="evidence", version=1, label=_("Evidence of a document"), public=True))
