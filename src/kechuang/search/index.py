"""The search index: tantivy on disk, fed pre-analysed terms, read by every process, written by one at a time.

Plain Python (no Django): ``kechuang.search.selectors`` opens the site's index under ``var/``;
benchmarks open their own. Text is analysed here with our ``Analyzer`` (jieba, stemming) and handed
to tantivy as pre-tokenized strings, so tantivy never segments Chinese itself and the same analysis
serves indexing, queries, snippets and match reasons.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from kechuang.search.analysis import Analyzer
from kechuang.search.documents import FIELDS, FILTERS, SearchDocument

logger = logging.getLogger("kechuang.search")

SCHEMA_VERSION = "1"  # bump when the schema or the analysis changes: the index is then rebuilt empty
WRITER_HEAP = 64_000_000
LOCK_WAIT_SECONDS = 30.0  # how long a writer waits for another process's writer to finish


class IndexBusyError(RuntimeError):
    """Another process kept the index's write lock for longer than ``LOCK_WAIT_SECONDS``."""


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw", index_option="basic")
    for name in FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="position")
    for name in FILTERS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("stored", stored=True)  # JSON: display data and the fields' original text
    return builder.build()


class SearchIndex:
    """One index directory. Thread-safe for reading; writes are serialised within the process by a lock
    and across processes by tantivy's own lock file (waited for, up to ``LOCK_WAIT_SECONDS``)."""

    def __init__(self, path: Path, analyzer: Analyzer) -> None:
        self.path = path
        self.analyzer = analyzer
        self.schema = build_schema()
        self._write_lock = threading.Lock()
        path.mkdir(parents=True, exist_ok=True)
        version = path / "kechuang-schema"
        if tantivy.Index.exists(str(path)) and (not version.exists() or version.read_text() != SCHEMA_VERSION):
            logger.warning(
                "search index at %s has an older schema; starting it empty (run `kechuang search reindex`)", path
            )
            shutil.rmtree(path)
            path.mkdir(parents=True)
        self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        version.write_text(SCHEMA_VERSION)
        self._meta = path / "meta.json"
        self._seen = self._stamp()

    # ------------------------------------------------------------ writing

    def _document(self, source: SearchDocument) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("key", source.key)
        doc.add_text("kind", source.kind)
        for name in FIELDS:
            text = source.text.get(name, "")
            if not text:
                continue
            tokens = [
                tantivy.Token(token.term, token.position, token.start, token.end)
                for token in self.analyzer.tokens(text)
            ]
            if tokens:
                doc.add_pre_tokenized_text(name, tantivy.PreTokenizedString(text, tokens))
        for name in FILTERS:
            for value in source.filters.get(name, ()):
                doc.add_text(name, str(value))
        stored = {"display": source.display, "text": source.text}
        doc.add_bytes("stored", json.dumps(stored, ensure_ascii=False).encode())
        return doc

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        with self._write_lock:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while True:
                try:
                    writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
                    break
                except ValueError as exc:  # tantivy's "Failed to acquire Lockfile: LockBusy"
                    if "Lock" not in str(exc) or time.monotonic() > deadline:
                        raise IndexBusyError(f"the search index at {self.path} is locked by another writer") from exc
                    time.sleep(0.05)
            try:
                yield writer
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
        self.refresh(force=True)

    def write(self, documents: Iterable[SearchDocument] = (), *, delete: Iterable[str] = ()) -> int:
        """Replace the documents with these keys (or add them), and remove the ``delete`` keys; one commit."""
        prepared = [(source.key, self._document(source)) for source in documents]
        with self._writer() as writer:
            for key in delete:
                writer.delete_documents_by_term("key", key)
            for key, doc in prepared:
                writer.delete_documents_by_term("key", key)
                writer.add_document(doc)
        return len(prepared)

    def rebuild(self, documents: Iterable[SearchDocument], *, kinds: Iterable[str] | None = None) -> int:
        """Drop every document (or those of ``kinds``) and add ``documents``, in one commit."""
        count = 0
        with self._writer() as writer:
            if kinds is None:
                writer.delete_all_documents()
            else:
                for kind in kinds:
                    writer.delete_documents_by_term("kind", kind)
            for source in documents:
                writer.add_document(self._document(source))
                count += 1
        return count

    # ------------------------------------------------------------ reading

    def _stamp(self) -> float:
        try:
            return self._meta.stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def refresh(self, *, force: bool = False) -> None:
        """See other processes' commits: reload when the index's meta file changed (one stat call)."""
        stamp = self._stamp()
        if force or stamp != self._seen:
            self._seen = stamp
            self.index.reload()

    def searcher(self) -> tantivy.Searcher:
        self.refresh()
        return self.index.searcher()

    def stored(self, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> tuple[str, str, dict[str, Any]]:
        """Key, kind and the stored JSON of a hit."""
        doc = searcher.doc(address)
        stored: dict[str, Any] = json.loads(bytes(doc.get_first("stored") or b"{}"))
        return str(doc.get_first("key")), str(doc.get_first("kind")), stored

    def count(self) -> int:
        return int(self.searcher().num_docs)
