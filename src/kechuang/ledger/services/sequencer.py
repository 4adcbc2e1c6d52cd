"""The sequencer: integrates pending entries in batches, grows the tiles and signs a checkpoint per batch.

One batch is one database transaction that locks the ``LogState`` row, so two sequencers never
interleave and a crash leaves nothing half-done. Before it signs, the sequencer checks that the
stored tiles still give the root it signed last time and that the new tree is consistent with the
old one; if not, it refuses to sign (a log must never sign two inconsistent checkpoints).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Checkpoint, Leaf, LogState, Pending, Tile
from kechuang.ledger.selectors import LedgerIntegrityError, read_tile
from kechuang.ledger.tlog import merkle
from kechuang.ledger.tlog.checkpoint import Checkpoint as CheckpointBody
from kechuang.ledger.tlog.note import Ed25519Signer, sign_note
from kechuang.ledger.tlog.tiles import TileNodes, TileReader, grow_tiles

logger = logging.getLogger("kechuang.ledger")


@dataclass(frozen=True)
class Batch:
    """What one call of ``integrate_pending`` did."""

    old_size: int
    new_size: int
    checkpoint: Checkpoint | None

    @property
    def integrated(self) -> int:
        return self.new_size - self.old_size


def _overlay(changed: dict[tuple[int, int], bytes]) -> TileReader:
    """Tiles as they will be once ``changed`` is stored."""

    def read(level: int, index: int) -> bytes:
        found = changed.get((level, index))
        return found if found is not None else read_tile(level, index)

    return read


def _sign(signer: Ed25519Signer, size: int, root: bytes) -> str:
    return sign_note(CheckpointBody(origin=settings.LEDGER_ORIGIN, size=size, root=root).body(), signer)


def integrate_pending(*, batch_size: int | None = None, signer: Ed25519Signer | None = None) -> Batch:
    """Integrate up to ``batch_size`` pending entries, in queue order, and sign the new checkpoint.

    With nothing pending and no checkpoint yet, signs the empty tree so the log always has one.
    Runs in its own transaction; raises ``LedgerIntegrityError`` (and signs nothing) when the stored
    tiles no longer give the last signed root.
    """
    signer = signer or log_signer()
    limit = batch_size or settings.LEDGER_BATCH_SIZE
    with transaction.atomic():
        # The row appears with the first batch (a flushed or new database has none).
        LogState.objects.get_or_create(pk=1, defaults={"size": 0, "root": merkle.EMPTY_ROOT})
        state = LogState.objects.select_for_update().get(pk=1)
        size, root = state.size, bytes(state.root)
        queued = list(Pending.objects.order_by("entry_id").values_list("entry_id", "entry__leaf_hash")[:limit])
        if not queued:
            if size == 0 and not Checkpoint.objects.exists():
                checkpoint = Checkpoint.objects.create(
                    size=0, root=root, note=_sign(signer, 0, root), created_at=timezone.now()
                )
                return Batch(0, 0, checkpoint)
            return Batch(size, size, None)
        if merkle.tree_root(TileNodes(read_tile, size), size) != root:
            raise LedgerIntegrityError(f"the stored tiles no longer give the signed root of size {size}; not signing")

        hashes = [bytes(value) for _entry, value in queued]
        changed = grow_tiles(size, hashes, read_tile)
        new_size = size + len(hashes)
        new_nodes = TileNodes(_overlay(changed), new_size)
        new_root = merkle.tree_root(new_nodes, new_size)
        if size:
            merkle.verify_consistency(
                size, new_size, root, new_root, merkle.consistency_proof(new_nodes, size, new_size)
            )

        Tile.objects.bulk_create(
            [Tile(level=level, index=index, hashes=content) for (level, index), content in changed.items()],
            update_conflicts=True,
            unique_fields=["level", "index"],
            update_fields=["hashes"],
        )
        now = timezone.now()
        Leaf.objects.bulk_create(
            [
                Leaf(index=size + number, entry_id=entry_id, integrated_at=now)
                for number, (entry_id, _h) in enumerate(queued)
            ]
        )
        Pending.objects.filter(entry_id__in=[entry_id for entry_id, _h in queued]).delete()
        state.size, state.root = new_size, new_root
        state.save(update_fields=["size", "root"])
        checkpoint = Checkpoint.objects.create(
            size=new_size, root=new_root, note=_sign(signer, new_size, new_root), created_at=now
        )
    return Batch(size, new_size, checkpoint)


def integrate_all(*, batch_size: int | None = None, signer: Ed25519Signer | None = None) -> int:
    """Integrate until nothing is pending; returns how many entries were integrated."""
    total = 0
    while True:
        batch = integrate_pending(batch_size=batch_size, signer=signer)
        total += batch.integrated
        if not batch.integrated:
            return total


class Sequencer(threading.Thread):
    """Runs ``integrate_pending`` whenever entries wait, idling ``interval`` seconds when none do.

    Batches start at least ``period`` seconds apart (``KECHUANG_LEDGER_CHECKPOINT_MS``) unless the
    last one was full: under a steady stream, entries then share a checkpoint instead of each small
    batch paying for its own signature, tile writes and witness round. An entry arriving at an idle
    log waits at most ``interval``.

    ``after_batch`` (e.g. asking witnesses to cosign) runs after each committed checkpoint; its
    failures are logged, never allowed to stop sequencing.
    """

    def __init__(
        self,
        *,
        interval: float = 0.05,
        period: float | None = None,
        after_batch: Callable[[Batch], None] | None = None,
    ) -> None:
        super().__init__(name="ledger-sequencer", daemon=True)
        self.interval = interval
        self.period = settings.LEDGER_CHECKPOINT_SECONDS if period is None else period
        self.after_batch = after_batch
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            signer = log_signer()
        except Exception:
            logger.exception("ledger sequencer not started")
            return
        not_before = 0.0
        while not self.stopping.is_set():
            if (delay := not_before - time.monotonic()) > 0 and self.stopping.wait(delay):
                break
            started = time.monotonic()
            try:
                batch = integrate_pending(signer=signer)
            except LedgerIntegrityError:
                logger.exception("ledger sequencer stopped: stored data disagrees with the signed tree")
                return
            except Exception:
                logger.exception("ledger batch failed; retrying")
                self.stopping.wait(1.0)
                continue
            if batch.checkpoint is not None and self.after_batch is not None:
                try:
                    self.after_batch(batch)
                except Exception:
                    logger.exception("after-batch step failed for checkpoint %s", batch.new_size)
            if not batch.integrated:
                self.stopping.wait(self.interval)
            elif batch.integrated < settings.LEDGER_BATCH_SIZE:
                not_before = started + self.period
        connection.close()

    def stop(self) -> None:
        self.stopping.set()
