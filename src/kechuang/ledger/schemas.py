"""Shapes of the ledger's JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class LogInfoOut(Schema):
    origin: str = Field(description="The checkpoint origin line; also the log key's name")
    vkey: str = Field(description="Verifier key of the log (signed-note format, Ed25519)")
    tree_size: int
    root_hash: str = Field(description="Base64 RFC 6962 root of the latest checkpoint")
    checkpoint: str = Field(description="The latest checkpoint, with every cosignature")
    witnesses: list[str] = Field(description="Verifier keys of the witnesses asked to cosign")
    public_kinds: list[str]
    tiles_prefix: str = Field(description="URL prefix of the tlog-tiles resources")


class EntryOut(Schema):
    index: int
    kind: str
    version: int
    recorded_at: datetime
    integrated_at: datetime
    record: dict[str, Any] | None = Field(description="The logged record; null when only a commitment is logged")
    commitment: dict[str, str] | None = Field(description="SHA-256 and SM3 of salt || JCS(record)")
    body: str = Field(description="Base64 of the entry's canonical (RFC 8785) bytes: the leaf data")
    leaf_hash: str = Field(description="Base64 RFC 6962 leaf hash, SHA-256(0x00 || body)")
    sm3: str = Field(description="Hex SM3 digest of the body (GB/T 32905)")
    organization: str | None


class InclusionProofOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = Field(description="Base64 audit path, the leaf's sibling first")


class ConsistencyProofOut(Schema):
    first: int
    second: int
    hashes: list[str]


class EvidenceIn(Schema):
    title: str = Field(max_length=200)
    sha256: str = Field(description="Hex SHA-256 of the document (the document itself is never sent)")
    sm3: str | None = Field(default=None, description="Hex SM3 of the document, optional")
    organization: int | None = Field(default=None, description="For whom; default: your one organisation")


class EvidenceOut(Schema):
    id: int = Field(description="The entry's id, known before it has an index")
    status: str = Field(description="'integrated' or 'pending'")
    index: int | None
    leaf_hash: str
    receipt_url: str | None
    status_url: str


class EvidenceMatchOut(Schema):
    index: int
    title: str
    organization: str
    recorded_at: datetime
