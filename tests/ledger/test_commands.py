"""``kechuang ledger keygen | verify | sequence | audit``, run through the real entry point."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from kechuang.cli import main
from kechuang.ledger import selectors, services
from kechuang.ledger.keys import log_signer
from kechuang.ledger.models import Entry
from kechuang.ledger.tlog.note import parse_skey
from tests.factories.accounts import MembershipFactory


def test_keygen_writes_a_private_key_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "keys" / "log.key"
    assert main(["ledger", "keygen", "--origin", "records.example.cn/log", "--out", str(key)]) == 0
    vkey = capsys.readouterr().out.strip()
    assert vkey.startswith("records.example.cn/log+")
    assert key.stat().st_mode & 0o777 == 0o600
    assert parse_skey(key.read_text().strip()).vkey == vkey
    assert main(["ledger", "keygen", "--origin", "records.example.cn/log", "--out", str(key)]) == 1
    assert "never replaced silently" in capsys.readouterr().err
    assert parse_skey(key.read_text().strip()).vkey == vkey


@pytest.fixture
def receipt(db: Any, tmp_path: Path) -> tuple[Path, bytes]:
    membership = MembershipFactory()
    document = b"%PDF-1.7 the signed agreement"
    services.notarise(
        actor=membership.user,
        organization=membership.organization,
        title="技术许可合同",
        sha256=hashlib.sha256(document).hexdigest(),
    )
    assert main(["ledger", "sequence"]) == 0
    entry = Entry.objects.select_related("leaf").get()
    path = tmp_path / "r.tlog-proof"
    path.write_text(selectors.receipt_text(entry))
    return path, document


def test_verify_says_what_it_proved(receipt: tuple[Path, bytes], tmp_path: Path, capsys: Any) -> None:
    path, document = receipt
    vkey_file = tmp_path / "log.vkey"
    vkey_file.write_text(log_signer().vkey + "\n")
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(document)
    capsys.readouterr()
    assert main(["ledger", "verify", str(path), "--vkey", str(vkey_file), "--entry", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: entry 0 (evidence v1")
    assert "at tree size 1" in out
    assert f"the given document's SHA-256 {hashlib.sha256(document).hexdigest()} is the one notarised" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text.replace("index 0", "index 1"), "FAILED: inclusion: index 1 is outside a tree of size 1"),
        (lambda text: text.replace("\n1\n", "\n2\n", 1), "FAILED: checkpoint signature: invalid signature"),
        (lambda text: text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), "FAILED: the receipt does not"),
    ],
)
def test_verify_says_exactly_what_failed(receipt: tuple[Path, bytes], capsys: Any, change: Any, message: str) -> None:
    path, _document = receipt
    path.write_text(change(path.read_text()))
    capsys.readouterr()
    assert main(["ledger", "verify", str(path), "--vkey", log_signer().vkey]) == 1
    assert capsys.readouterr().out.startswith(message)


def test_verify_refuses_a_document_that_was_not_notarised(
    receipt: tuple[Path, bytes], tmp_path: Path, capsys: Any
) -> None:
    path, _document = receipt
    other = tmp_path / "other.pdf"
    other.write_bytes(b"a different file")
    capsys.readouterr()
    assert main(["ledger", "verify", str(path), "--vkey", log_signer().vkey, "--entry", str(other)]) == 1
    assert "neither the logged entry, nor the notarised document" in capsys.readouterr().out
    assert main(["ledger", "verify", str(tmp_path / "missing"), "--vkey", log_signer().vkey]) == 1
