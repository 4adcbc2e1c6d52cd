"""Asking witnesses to cosign checkpoints (the log side of https://c2sp.org/tlog-witness).

Each witness in ``settings.LEDGER_WITNESSES`` is ``URL|vkey``: its submission prefix and its Ed25519
cosignature key (type 0x04). A witness that is down, slow or answers nonsense costs one log line and a
missing cosignature, never an exception in the sequencer: receipts are still valid, with fewer witnesses.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Max

from kechuang.ledger import selectors
from kechuang.ledger.models import Checkpoint, Cosignature
from kechuang.ledger.tlog.note import CosignatureVerifier, cosignature_timestamp, open_note, parse_vkey
from kechuang.ledger.tlog.witness import MAX_BODY, SIZE_CONTENT_TYPE, format_add_checkpoint

if TYPE_CHECKING:
    from kechuang.ledger.services.sequencer import Batch

logger = logging.getLogger("kechuang.ledger")
TIMEOUT = 5.0  # seconds per request; the sequencer waits this long at most per witness and try


class WitnessConfigError(ValueError):
    """A ``LEDGER_WITNESSES`` item is not ``http(s)://…|<cosignature vkey>``."""


@dataclass(frozen=True)
class WitnessConfig:
    url: str
    verifier: CosignatureVerifier

    @property
    def name(self) -> str:
        return self.verifier.name


def parse_witness(text: str) -> WitnessConfig:
    """One ``URL|vkey`` item; ``WitnessConfigError`` (or the note module's ``KeyFormatError``) when it is wrong."""
    url, separator, vkey = text.strip().partition("|")
    if not separator or not url.startswith(("http://", "https://")):
        raise WitnessConfigError(f"a witness is configured as http(s)://…|<vkey>, not {text!r}")
    verifier = parse_vkey(vkey.strip())
    if not isinstance(verifier, CosignatureVerifier):
        raise WitnessConfigError(f"witness key {verifier.name} is not a cosignature (type 0x04) key")
    return WitnessConfig(url=url.rstrip("/"), verifier=verifier)


def _post(witness: WitnessConfig, body: bytes) -> tuple[int, str, bytes]:
    """Status, content type and body (at most ``MAX_BODY`` + 1 bytes) of one add-checkpoint request."""
    request = urllib.request.Request(  # noqa: S310 - parse_witness allows http(s) URLs only
        f"{witness.url}/add-checkpoint", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - as above
            return response.status, response.headers.get_content_type(), response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as error:
        try:
            return error.code, error.headers.get_content_type(), error.read(MAX_BODY + 1)
        finally:
            error.close()


def _request(witness: WitnessConfig, checkpoint: Checkpoint, old_size: int) -> tuple[int, str, bytes]:
    proof = [] if old_size in (0, checkpoint.size) else selectors.consistency_proof(old_size, checkpoint.size)
    return _post(witness, format_add_checkpoint(old_size, proof, checkpoint.note))


def _retry_size(content_type: str, body: bytes, checkpoint: Checkpoint) -> int | None:
    """The size a ``409 text/x.tlog.size`` answer reports, if it is one we can prove ``checkpoint`` from."""
    text = body.decode("ascii", "replace")
    if content_type != SIZE_CONTENT_TYPE or not text.endswith("\n") or not text[:-1].isdigit():
        return None
    size = int(text[:-1])
    if size > checkpoint.size or (size and not Checkpoint.objects.filter(size=size).exists()):
        return None
    return size


def _cosign(witness: WitnessConfig, checkpoint: Checkpoint) -> Cosignature | None:
    """The witness's cosignature of ``checkpoint``, stored; None (logged) when it gives none."""
    existing = Cosignature.objects.filter(checkpoint=checkpoint, witness=witness.name).first()
    if existing is not None:
        return existing
    cosigned = Cosignature.objects.filter(witness=witness.name).aggregate(size=Max("checkpoint__size"))["size"]
    old_size = cosigned or 0
    if old_size > checkpoint.size:
        logger.info("witness %s already cosigned size %d; not asking for %d", witness.name, old_size, checkpoint.size)
        return None
    status, content_type, body = _request(witness, checkpoint, old_size)
    reported = _retry_size(content_type, body, checkpoint) if status == 409 else None
    if reported is not None and reported != old_size:
        # The witness holds a checkpoint of ours we have no record of its cosigning (a monitor sent it, or our
        # rows were lost): one retry from its size.
        old_size = reported
        status, content_type, body = _request(witness, checkpoint, old_size)
    if status != 200 or len(body) > MAX_BODY:
        log = logger.error if status in (409, 422) else logger.warning  # a conflict may be a split view
        log(
            "witness %s refused checkpoint %d (old %d): HTTP %d %r",
            witness.name,
            checkpoint.size,
            old_size,
            status,
            body[:200],
        )
        return None
    # The answer is signature lines for this very note: appended to it, only the witness key's valid line survives.
    opened = open_note(checkpoint.note + body.decode("utf-8"), [witness.verifier])
    signature = opened.verified[0]
    row, _created = Cosignature.objects.get_or_create(
        checkpoint=checkpoint,
        witness=witness.name,
        defaults={"line": signature.line(), "timestamp": cosignature_timestamp(signature.data)},
    )
    return row


def collect_cosignatures(checkpoint: Checkpoint) -> list[Cosignature]:
    """Ask every configured witness to cosign ``checkpoint``; returns the cosignatures it now has from them.

    Run it after the checkpoint's transaction has committed (it makes network calls). Old size is the largest
    checkpoint each witness has cosigned for us (0 when none); a ``409 text/x.tlog.size`` answer is retried once
    from the size the witness reports. Stores one ``Cosignature`` per checkpoint and witness; never raises for a
    witness's failure or a misconfigured item, it logs them.
    """
    collected = []
    for text in settings.LEDGER_WITNESSES:
        try:
            row = _cosign(parse_witness(text), checkpoint)
        except Exception:
            logger.warning("no cosignature from witness %r for checkpoint %d", text, checkpoint.size, exc_info=True)
            continue
        if row is not None:
            collected.append(row)
    return collected


def cosign_after_batch(batch: Batch) -> None:
    """``Sequencer(after_batch=cosign_after_batch)``: collect cosignatures for the batch's new checkpoint."""
    if batch.checkpoint is None or not settings.LEDGER_WITNESSES:
        return
    try:
        collect_cosignatures(batch.checkpoint)
    except Exception:  # e.g. the database went away; the sequencer must keep going
        logger.exception("collecting cosignatures for checkpoint %d failed", batch.new_size)
