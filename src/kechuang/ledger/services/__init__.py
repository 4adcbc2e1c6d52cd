"""Writes of the ledger: recording entries (for every app), sequencing, notarising evidence."""

from kechuang.ledger.services.evidence import notarise
from kechuang.ledger.services.records import NotIntegratedError, record, wait_for_index
from kechuang.ledger.services.sequencer import Batch, Sequencer, integrate_all, integrate_pending

__all__ = [
    "Batch",
    "NotIntegratedError",
    "Sequencer",
    "integrate_all",
    "integrate_pending",
    "notarise",
    "record",
    "wait_for_index",
]
