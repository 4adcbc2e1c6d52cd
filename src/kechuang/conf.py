"""The one typed table of ``KECHUANG_*`` environment variables.

Every variable the platform reads is declared here, with its type, default and meaning;
``.env.example`` lists the same names (a test checks). Settings read values only through
:func:`value`, so nothing else touches ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["str", "bool", "int", "list", "path"]

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    default: str | None
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "KECHUANG_SECRET_KEY",
        "str",
        None,
        "Django secret key. Unset: a random key is generated once and kept in VAR_DIR/secret_key.",
    ),
    Variable("KECHUANG_DEBUG", "bool", "false", "Django debug mode; never in production."),
    Variable(
        "KECHUANG_DATABASE_URL",
        "str",
        "",
        "Database URL, e.g. postgres://user:pass@host:5432/kechuang. Unset: SQLite in VAR_DIR.",
    ),
    Variable("KECHUANG_VAR_DIR", "path", "var", "Directory for the SQLite database, static files and keys."),
    Variable("KECHUANG_ALLOWED_HOSTS", "list", "127.0.0.1,localhost", "Host names the site answers to."),
    Variable("KECHUANG_CSRF_TRUSTED_ORIGINS", "list", "", "Origins trusted for CSRF, e.g. https://kc.example.cn."),
    Variable("KECHUANG_SITE_URL", "str", "http://127.0.0.1:8000", "Public base URL, used in e-mails."),
    Variable("KECHUANG_SECURE_COOKIES", "bool", "false", "Send session and CSRF cookies over HTTPS only."),
    Variable(
        "KECHUANG_EMAIL_BACKEND",
        "str",
        "django.core.mail.backends.console.EmailBackend",
        "Django e-mail backend class.",
    ),
    Variable("KECHUANG_EMAIL_HOST", "str", "localhost", "SMTP host when the SMTP backend is used."),
    Variable("KECHUANG_EMAIL_PORT", "int", "25", "SMTP port."),
    Variable("KECHUANG_DEFAULT_FROM_EMAIL", "str", "kechuang@localhost", "Sender of the platform's e-mails."),
    Variable(
        "KECHUANG_LOGIN_MAX_FAILURES",
        "int",
        "5",
        "Failed sign-ins allowed per account or address within the lockout window.",
    ),
    Variable("KECHUANG_LOGIN_LOCKOUT_SECONDS", "int", "900", "Length of the sign-in lockout window."),
    Variable(
        "KECHUANG_PAGE_CACHE_SECONDS",
        "int",
        "15",
        "Seconds anonymous visitors are served a stored copy of the public pages; 0 turns it off.",
    ),
    Variable("KECHUANG_LOG_LEVEL", "str", "INFO", "Log level of the kechuang loggers."),
    Variable(
        "KECHUANG_LEDGER_ORIGIN",
        "str",
        "127.0.0.1:8000/ledger",
        "Origin line of the transparency log's checkpoints: its public URL prefix without the scheme.",
    ),
    Variable(
        "KECHUANG_LEDGER_KEY",
        "str",
        None,
        "The log's signing key (PRIVATE+KEY+... from `kechuang ledger keygen`); takes precedence over the key file.",
    ),
    Variable(
        "KECHUANG_LEDGER_KEY_FILE",
        "str",
        "",
        "File holding the log's signing key, written by `kechuang ledger keygen`. Unset: VAR_DIR/ledger/log.key.",
    ),
    Variable(
        "KECHUANG_LEDGER_WITNESSES",
        "list",
        "",
        "Witnesses asked to cosign each checkpoint: URL|cosignature vkey pairs, comma separated.",
    ),
    Variable(
        "KECHUANG_LEDGER_BATCH_SIZE",
        "int",
        "5000",
        "Most entries the sequencer integrates under one checkpoint.",
    ),
    Variable(
        "KECHUANG_LEDGER_CHECKPOINT_MS",
        "int",
        "100",
        "Shortest time between two checkpoints, in milliseconds: entries arriving meanwhile share the next one.",
    ),
    Variable(
        "KECHUANG_LEDGER_WAIT_SECONDS",
        "int",
        "3",
        "How long a notarising request waits for its entry to be integrated before answering 202 Accepted.",
    ),
    Variable(
        "KECHUANG_EMBEDDING_MODEL",
        "str",
        "",
        "Directory of a sentence-transformers model (BERT family) fused into reviewer affinity. Unset: lexical only.",
    ),
    Variable(
        "KECHUANG_DEMO_PASSWORD",
        "str",
        "kechuang-demo",
        "Password of every account `kechuang demo` / `seed-demo` creates; never seed the demo on a public site.",
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}


def raw(name: str) -> str | None:
    variable = _BY_NAME[name]
    found = os.environ.get(name)
    if found is None or found == "":
        return variable.default
    return found


def value_str(name: str) -> str:
    return raw(name) or ""


def value_bool(name: str) -> bool:
    text = (raw(name) or "").strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"", "0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {text!r}")


def value_int(name: str) -> int:
    text = raw(name) or "0"
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {text!r}") from None


def value_list(name: str) -> list[str]:
    return [part.strip() for part in (raw(name) or "").split(",") if part.strip()]


def value_path(name: str) -> Path:
    path = Path(raw(name) or ".")
    return path if path.is_absolute() else BASE_DIR / path
