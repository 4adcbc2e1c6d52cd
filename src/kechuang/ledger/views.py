"""Pages of the transparency log under ``/records/``: browse, read an entry, notarise, verify a receipt.

Reads go through :mod:`kechuang.ledger.selectors`; an entry the user may not see answers 404 like a
missing one (rule ``ledger.view_entry``). Notarising calls :func:`kechuang.ledger.services.notarise`,
then waits for the sequencer outside any transaction. Documents are hashed in the browser
(``static/js/ledger.js``) and never uploaded, except to the verify page, which hashes and forgets them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from kechuang.accounts.models import User
from kechuang.core.errors import NotFound, PermissionDenied
from kechuang.core.pagecache import cache_public_page
from kechuang.core.paging import paginate
from kechuang.ledger import kinds, selectors, services
from kechuang.ledger.canonical import RecordError, parse_body
from kechuang.ledger.evidence import EVIDENCE
from kechuang.ledger.forms import (
    UPLOAD_LIMITS,
    DigestCheckForm,
    EntryFilterForm,
    NotariseForm,
    VerifyForm,
    configured_witness_keys,
)
from kechuang.ledger.keys import MissingKeyError, log_signer
from kechuang.ledger.models import Entry
from kechuang.ledger.tlog.note import NoteError

# Everything the verify form may carry, plus room for its text fields and the multipart framing.
VERIFY_MAX_BODY = sum(UPLOAD_LIMITS.values()) + 256 * 1024
PENDING_POLL_SECONDS = 2


def _user(request: HttpRequest) -> User:
    # Only called behind login_required, where the user is a real account.
    return cast(User, request.user)


def _results_only(request: HttpRequest) -> bool:
    """An htmx filter or pager request gets the result list; a history restore gets the whole page."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.history_restore_request


def log_vkey() -> str:
    """This log's verifier key, or '' while no signing key is configured."""
    try:
        return log_signer().vkey
    except (MissingKeyError, NoteError):
        return ""


def _envelope(entry: Entry) -> dict[str, Any]:
    try:
        return parse_body(bytes(entry.body))
    except RecordError:
        return {}


def kind_label(name: str) -> str:
    try:
        return str(kinds.get(name).label)
    except kinds.UnknownKindError:
        return name


@dataclass(frozen=True)
class EntryRow:
    """One line of the entry browser."""

    entry: Entry
    index: int
    kind_label: str
    title: str
    leaf_hex: str


def _title(entry: Entry) -> str:
    """The ``title`` of a logged record (evidence has one), or ''."""
    record = _envelope(entry).get("record")
    return str(record.get("title", "")) if isinstance(record, dict) else ""


def _row(entry: Entry) -> EntryRow:
    return EntryRow(
        entry=entry,
        index=entry.leaf.index,
        kind_label=kind_label(entry.kind),
        title=_title(entry),
        leaf_hex=bytes(entry.leaf_hash).hex(),
    )


# ---------------------------------------------------------------- the public entry browser


@cache_public_page
@require_safe
def entry_list(request: HttpRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET)
    filters = form.filters()
    found = selectors.public_entries()
    if filters["kind"]:
        found = found.filter(kind=filters["kind"])
    if form.errors.get("digest"):
        found = found.none()
    elif filters["digest"]:
        found = found.filter(subject=filters["digest"])
    page = paginate(found, page=request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(entry) for entry in page.items],
        "filtered": form.active(),
        "tree_size": selectors.published_size(),
        "origin": settings.LEDGER_ORIGIN,
        "vkey": log_vkey(),
    }
    template = "ledger/entry_list.html#results" if _results_only(request) else "ledger/entry_list.html"
    response = render(request, template, context)
    # The same URL answers a page or a fragment; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------- one entry


def _entry_or_404(request: HttpRequest, index: int) -> Entry:
    try:
        return selectors.get_entry_for(request.user, index)
    except NotFound:
        raise Http404 from None


@cache_public_page
@require_safe
def entry_detail(request: HttpRequest, index: int) -> HttpResponse:
    entry = _entry_or_404(request, index)
    envelope = _envelope(entry)
    record = envelope.get("record") if isinstance(envelope.get("record"), dict) else None
    is_evidence = entry.kind == EVIDENCE.name and record is not None
    recorded_sha256 = str(record.get("sha256", "")) if is_evidence and record else ""
    check_form = DigestCheckForm(request.GET if "sha256" in request.GET else None)
    checked = check_form.cleaned_data["sha256"] if check_form.is_bound and check_form.is_valid() else None
    leaf_hash = bytes(entry.leaf_hash)
    context = {
        "entry": entry,
        "index": index,
        "kind_label": kind_label(entry.kind),
        "envelope_json": json.dumps(envelope, ensure_ascii=False, indent=2, sort_keys=True),
        "record": record,
        "commitment": envelope.get("commitment"),
        "is_evidence": is_evidence,
        "recorded_sha256": recorded_sha256,
        "leaf_hex": leaf_hash.hex(),
        "leaf_b64": base64.b64encode(leaf_hash).decode(),
        "sm3_hex": bytes(entry.sm3).hex(),
        "check_form": check_form,
        "checked": checked,
        "check_matches": checked is not None and checked == recorded_sha256,
    }
    return render(request, "ledger/entry_detail.html", context)


@require_safe
def entry_receipt(request: HttpRequest, index: int) -> HttpResponse:
    """The entry's ``c2sp.org/tlog-proof@v1`` receipt as a download (same rule as the entry page)."""
    entry = _entry_or_404(request, index)
    try:
        text = selectors.receipt_text(entry)
    except selectors.OutOfRangeError:
        # The sequencer signs a checkpoint in the same transaction as it assigns indexes, so this is brief.
        response = HttpResponse(
            _("This record is not under a signed checkpoint yet; try again in a moment.") + "\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kechuang-{index}.tlog-proof"'
    # A receipt is built on the newest checkpoint, so it changes as the log grows; never keep a stale one.
    patch_cache_control(response, private=True, no_cache=True)
    return response


# ---------------------------------------------------------------- notarising


@login_required
@require_http_methods(["GET", "POST"])
def notarise(request: HttpRequest) -> HttpResponse:
    """Record a document's digests for one of the user's organisations, then wait briefly for its index.

    The wait happens after the service's transaction committed (this view runs in none), so the
    sequencer in ``kechuang worker`` can see the entry; inside a transaction (tests) it gives up at once.
    """
    user = _user(request)
    form = NotariseForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = form.submit(actor=user)
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        if entry is not None:
            try:
                index = services.wait_for_index(entry, timeout=settings.LEDGER_WAIT_SECONDS)
            except services.NotIntegratedError:
                messages.info(request, _("The document is recorded; it gets its place in the log in a moment."))
                return redirect("ledger:pending", entry.pk)
            messages.success(request, _("The document is recorded at index %(index)d of the log.") % {"index": index})
            return redirect("ledger:entry", index)
    return render(request, "ledger/notarise.html", {"form": form})


@login_required
@require_GET
def entry_pending(request: HttpRequest, pk: int) -> HttpResponse:
    """A just-recorded entry until the sequencer gives it an index; htmx polls it, no-JS browsers refresh."""
    try:
        entry = selectors.get_recorded_entry_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    leaf = getattr(entry, "leaf", None)
    context = {
        "entry": entry,
        "index": leaf.index if leaf is not None else None,
        "kind_label": kind_label(entry.kind),
        "title": _title(entry),
        "poll_seconds": PENDING_POLL_SECONDS,
    }
    template = "ledger/entry_pending.html#status" if _results_only(request) else "ledger/entry_pending.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    patch_cache_control(response, private=True, no_cache=True)
    return response


# ---------------------------------------------------------------- verifying a receipt


class UploadLimiter(FileUploadHandler):
    """Stops reading an upload once it passes its field's limit, so an oversized file is never stored.

    It sits first among the request's upload handlers and passes every chunk on unchanged; an
    over-limit file (or one in a field the form does not have) is skipped and its field name kept.
    """

    def __init__(self, request: HttpRequest, limits: dict[str, int]) -> None:
        super().__init__(request)
        self.limits = limits
        self.refused: set[str] = set()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        limit = self.limits.get(self.field_name, 0)
        if start + len(raw_data) > limit:
            if self.field_name in self.limits:
                self.refused.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def _verify_page(
    request: HttpRequest, form: VerifyForm, *, result: Any = None, upload_error: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "result": result, "upload_error": upload_error, "vkey": log_vkey()}
    return render(request, "ledger/verify.html", context, status=status)


def _verify_initial() -> dict[str, Any]:
    return {"vkey": log_vkey(), "witnesses": "\n".join(configured_witness_keys()), "min_witnesses": 0}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Check a receipt offline-style on the server. CSRF is checked by :func:`_verify_checked`, after the
    upload limiter is in place: the CSRF check reads the body, and the limiter must see it first."""
    if request.method != "POST":
        return _verify_page(request, VerifyForm(initial=_verify_initial()))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > VERIFY_MAX_BODY:
        # Refused before a byte of the body is read.
        error = _("The upload is too large: the document may be at most 20 MB.")
        return _verify_page(request, VerifyForm(initial=_verify_initial()), upload_error=error, status=413)
    limiter = UploadLimiter(request, UPLOAD_LIMITS)
    request.upload_handlers = [limiter, *request.upload_handlers]
    return _verify_checked(request, limiter)


@csrf_protect
def _verify_checked(request: HttpRequest, limiter: UploadLimiter) -> HttpResponse:
    form = VerifyForm(request.POST, request.FILES, refused=limiter.refused)
    if not form.is_valid():
        return _verify_page(request, form)
    return _verify_page(request, form, result=form.verify())
