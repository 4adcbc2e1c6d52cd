"""The log's signing key: from ``KECHUANG_LEDGER_KEY``, else the key file; and writing a new one."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from kechuang.ledger.tlog.note import Ed25519Signer, generate_key, parse_skey


class MissingKeyError(RuntimeError):
    """No signing key is configured; the message says how to make one."""


def log_signer() -> Ed25519Signer:
    """The Ed25519 signer of checkpoints, whose key name must be the log's origin."""
    text = settings.LEDGER_KEY
    source = "KECHUANG_LEDGER_KEY"
    if not text:
        path = Path(settings.LEDGER_KEY_FILE)
        if not path.exists():
            raise MissingKeyError(
                f"the ledger has no signing key: run `kechuang ledger keygen` (writes {path})"
                " or set KECHUANG_LEDGER_KEY"
            )
        text = path.read_text(encoding="utf-8").strip()
        source = str(path)
    signer = parse_skey(text.strip())
    if not isinstance(signer, Ed25519Signer):
        raise MissingKeyError(f"the key in {source} is not an Ed25519 log key")
    if signer.name != settings.LEDGER_ORIGIN:
        raise MissingKeyError(
            f"the key in {source} is named {signer.name!r} but the log's origin is {settings.LEDGER_ORIGIN!r}"
        )
    return signer


def write_key(path: Path, name: str, *, overwrite: bool = False) -> str:
    """Write a new Ed25519 key named ``name`` to ``path`` (mode 0600); returns its verifier key."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; a log's key is never replaced silently (use --force to do so)")
    skey, vkey = generate_key(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(skey + "\n")
    return vkey
