"""The CSL benchmark files (ydli-ai/CSL, Apache-2.0) as the search benchmarks read them, and a docs-section writer.

``shared/data/csl/benchmark/<task>/<split>.tsv`` rows are ``prompt\\ttext_a\\ttext_b``. The four tasks
hold the same papers: ``cls_dcp`` abstract → discipline (67), ``ts`` abstract → title, ``kg``
"abstract title" → keywords joined by ``_``, ``cls_ctg`` title → category (13, with a train split of
8,000 titles). A ``Paper`` joins them by abstract, so a labelled paper has its title and keywords too.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.report import _cpu_model, _ram_gib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "csl"
DOC = ROOT / "docs" / "benchmarks.md"

# A sentence ends at 。！？； (or their ASCII forms); CSL writes many abstracts with ASCII full stops,
# so a "." ends one too unless a digit follows (3.5 mm).
_SENTENCE = re.compile(r".+?(?:[。！？；!?;]|\.(?!\d)|$)", re.DOTALL)


@dataclass(frozen=True)
class Paper:
    abstract: str
    title: str
    keywords: tuple[str, ...]
    discipline: str


def rows(data: Path, task: str, split: str) -> list[tuple[str, str]]:
    """``(text_a, text_b)`` of every row of ``<data>/benchmark/<task>/<split>.tsv``, in file order."""
    path = data / "benchmark" / task / f"{split}.tsv"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}: expected prompt, text_a, text_b; got {len(parts)} columns")
        out.append((parts[1], parts[2]))
    return out


def papers(data: Path, split: str) -> list[Paper]:
    """The ``cls_dcp`` papers of ``split`` with their title (``ts``) and keywords (``kg``).

    The three files list the same papers in the same order (checked: a row whose abstract differs raises).
    """
    out = []
    for (abstract, discipline), (ts_abstract, title), (kg_text, words) in zip(
        rows(data, "cls_dcp", split), rows(data, "ts", split), rows(data, "kg", split), strict=True
    ):
        if ts_abstract != abstract or kg_text != f"{abstract} {title}":
            raise ValueError(f"{data}: cls_dcp, ts and kg rows of {split} do not line up at {abstract[:30]!r}")
        out.append(Paper(abstract, title, tuple(word for word in words.split("_") if word), discipline))
    return out


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end, punctuation kept, so joining the pieces gives the text back."""
    return [piece for piece in (m.group().strip() for m in _SENTENCE.finditer(text)) if piece]


@dataclass(frozen=True)
class Pools:
    """Every distinct title, keyword and abstract sentence of the benchmark files, in a stable order."""

    titles: tuple[str, ...]
    keywords: tuple[str, ...]
    sentences: tuple[str, ...]


def pools(data: Path) -> Pools:
    titles: dict[str, None] = {}
    keywords: dict[str, None] = {}
    pieces: dict[str, None] = {}
    for split in ("dev", "test"):
        for paper in papers(data, split):
            titles[paper.title] = None
            keywords.update(dict.fromkeys(paper.keywords))
            pieces.update(dict.fromkeys(sentences(paper.abstract)))
    for split in ("train", "dev", "test"):
        titles.update(dict.fromkeys(title for title, _category in rows(data, "cls_ctg", split)))
    titles.pop("", None)
    return Pools(tuple(titles), tuple(keywords), tuple(pieces))


# ---------------------------------------------------------------- docs/benchmarks.md


def machine() -> dict[str, Any]:
    ram = _ram_gib()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram": f"{ram:.1f} GiB" if ram else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def machine_line(host: dict[str, Any]) -> str:
    return (
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM; {host['os']}; Python {host['python']}. "
        f"Load average before the run {host['load']} (1 / 5 / 15 min)."
    )


def write_section(doc: Path, start: str, end: str, block: str, *, heading: str = "") -> None:
    """Replace what stands between the ``start`` and ``end`` markers of ``doc`` with ``block``, touching
    nothing else; when the markers are missing, append ``heading`` (if any) and the fenced block at the end."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    fenced = f"{start}\n{block.rstrip()}\n{end}"
    if start in text and end in text.split(start, 1)[1]:
        head, rest = text.split(start, 1)
        text = head + fenced + rest.split(end, 1)[1]
    else:
        section = f"{heading}\n\n{fenced}" if heading else fenced
        text = text.rstrip() + ("\n\n" if text else "") + section + "\n"
    doc.write_text(text, encoding="utf-8")
