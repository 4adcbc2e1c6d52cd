"""Forms of the ledger pages: the entry filter, checking a digest, notarising, and verifying a receipt.

Notarising goes through :func:`kechuang.ledger.services.notarise`, which stays the authority on the
title and the digests; its field errors land on the form. Verifying is a pure check of uploaded
files against keys the visitor chooses (this log's key by default) and writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.accounts.enums import MembershipStatus, OrganizationStatus
from kechuang.accounts.forms.base import ServiceForm
from kechuang.accounts.models import Organization, User
from kechuang.core.errors import DomainError, PermissionDenied
from kechuang.core.widgets import InlineSelect
from kechuang.ledger import kinds, services
from kechuang.ledger.canonical import MAX_ENTRY_BYTES, RecordError, parse_body
from kechuang.ledger.evidence import EVIDENCE
from kechuang.ledger.models import Entry
from kechuang.ledger.services.evidence import MAX_TITLE
from kechuang.ledger.tlog.note import NoteError, Verifier, parse_vkey
from kechuang.ledger.tlog.proof import ReceiptCheck, ReceiptError, verify_receipt

HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX64_PATTERN = "[0-9a-fA-F]{64}"
RECEIPT_MAX_BYTES = 64 * 1024
ENTRY_MAX_BYTES = MAX_ENTRY_BYTES
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
MAX_WITNESS_KEYS = 32

# The upload limits of the verify page by field name; the view enforces them while the body is read.
UPLOAD_LIMITS = {"receipt": RECEIPT_MAX_BYTES, "entry": ENTRY_MAX_BYTES, "document": DOCUMENT_MAX_BYTES}


def normalise_digest(value: str) -> str | None:
    """``value`` as 64 lower-case hex digits, or None when it is not a SHA-256 (or SM3) digest."""
    text = (value or "").strip().lower()
    return text if HEX64.match(text) else None


def digest_widget(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "class": "mono",
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "off",
            "inputmode": "text",
            "pattern": HEX64_PATTERN,
            "maxlength": 64,
            **attrs,
        }
    )


# ---------------------------------------------------------------- the entry browser


def kind_filter_choices() -> list[tuple[str, Any]]:
    public = [kind for kind in kinds.all_kinds() if kind.public]
    return [("", gettext_lazy("All kinds")), *((kind.name, kind.label) for kind in public)]


class EntryFilterForm(forms.Form):
    """The filters of the public entry browser. A bad kind is dropped; a bad digest is an error and finds nothing."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=kind_filter_choices, widget=InlineSelect
    )
    digest = forms.CharField(
        label=gettext_lazy("SHA-256 of a document"),
        required=False,
        max_length=100,
        widget=digest_widget(type="search", placeholder="e3b0c442…"),
    )

    def clean_digest(self) -> str:
        raw = self.cleaned_data.get("digest", "")
        if not raw.strip():
            return ""
        digest = normalise_digest(raw)
        if digest is None:
            raise forms.ValidationError(gettext_lazy("Give the digest as 64 hexadecimal characters."))
        return digest

    def filters(self) -> dict[str, str]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {"kind": cleaned.get("kind") or "", "digest": cleaned.get("digest") or ""}

    def active(self) -> bool:
        return any(self.filters().values()) or bool(self.errors)


# ---------------------------------------------------------------- checking a digest on the entry page


class DigestCheckForm(forms.Form):
    """The no-JavaScript fallback of the file check: the visitor pastes a digest, the server compares."""

    sha256 = forms.CharField(
        label=gettext_lazy("SHA-256 digest of your file"),
        max_length=100,
        help_text=gettext_lazy(
            "For example the output of sha256sum (Linux), shasum -a 256 (macOS) or certutil (Windows)."
        ),
        widget=digest_widget(placeholder="e3b0c442…"),
    )

    def clean_sha256(self) -> str:
        digest = normalise_digest(self.cleaned_data.get("sha256", ""))
        if digest is None:
            raise forms.ValidationError(gettext_lazy("Give the digest as 64 hexadecimal characters."))
        return digest


# ---------------------------------------------------------------- notarising


def notarising_organizations(user: User) -> QuerySet[Organization]:
    """Active organisations in which ``user`` holds an approved membership (any role), by name."""
    return Organization.objects.filter(
        status=OrganizationStatus.ACTIVE,
        pk__in=user.memberships.filter(status=MembershipStatus.APPROVED).values("organization_id"),
    ).order_by("sort_name", "id")


class NotariseForm(ServiceForm):
    """Title and digests of a document; the document itself is hashed in the browser and never sent."""

    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("The organization on whose behalf the document is recorded."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=MAX_TITLE,
        help_text=gettext_lazy("Public, like the digests: name the document without disclosing what is secret."),
    )
    sha256 = forms.CharField(
        label=gettext_lazy("SHA-256 digest"),
        max_length=100,
        help_text=gettext_lazy("Filled in when you choose the file above; without JavaScript, paste it here."),
        widget=digest_widget(),
    )
    sm3 = forms.CharField(
        label=gettext_lazy("SM3 digest (optional)"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The document's SM3 digest (GB/T 32905), if you have computed it."),
        widget=digest_widget(),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = notarising_organizations(user)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared just above
        field.queryset = choices
        # One query for the page: the choices are read once and reused for the count and the preselection.
        self.organizations = list(choices)
        if len(self.organizations) == 1 and not self.is_bound:
            self.initial.setdefault("organization", self.organizations[0].pk)

    @property
    def has_organizations(self) -> bool:
        return bool(self.organizations)

    def submit(self, *, actor: User) -> Entry | None:
        """Notarise; None with the service's field errors on the form. ``PermissionDenied`` passes through."""
        data = self.cleaned_data
        try:
            return services.notarise(
                actor=actor,
                organization=data["organization"],
                title=data["title"],
                sha256=data["sha256"],
                sm3=data["sm3"] or None,
            )
        except PermissionDenied:
            raise
        except DomainError as exc:
            self.add_domain_error(exc)
            return None


# ---------------------------------------------------------------- verifying a receipt


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


class _Sm3:
    """Incremental SM3 through OpenSSL, or through ``cryptography`` when this interpreter's OpenSSL lacks it."""

    def __init__(self) -> None:
        self._hashlib: Any = None
        self._hash: Any = None
        try:
            self._hashlib = hashlib.new("sm3")
        except ValueError:
            from cryptography.hazmat.primitives import hashes

            self._hash = hashes.Hash(hashes.SM3())

    def update(self, data: bytes, /) -> None:
        (self._hashlib or self._hash).update(data)

    def hexdigest(self) -> str:
        return str(self._hashlib.hexdigest()) if self._hashlib is not None else bytes(self._hash.finalize()).hex()


def file_digests(upload: UploadedFile) -> tuple[str, str]:
    """SHA-256 and SM3 of an upload as hex, read in chunks so a large document never sits in memory whole."""
    sha256 = hashlib.sha256()
    sm3 = _Sm3()
    hashers: list[_Hasher] = [sha256, sm3]
    upload.seek(0)
    for chunk in upload.chunks():
        for hasher in hashers:
            hasher.update(chunk)
    return sha256.hexdigest(), sm3.hexdigest()


@dataclass(frozen=True)
class DigestMatch:
    algorithm: str
    recorded: str
    computed: str

    @property
    def matches(self) -> bool:
        return self.recorded == self.computed


@dataclass
class Verification:
    """What the verify page shows: the proven receipt, or the check that failed, and the document's comparison."""

    check: ReceiptCheck | None = None
    error: str = ""
    envelope: Mapping[str, Any] | None = None
    entry_source: str = ""  # "receipt" when the receipt carried the entry's bytes, "upload" when they were given
    document_name: str = ""
    document: list[DigestMatch] = field(default_factory=list)
    document_note: str = ""

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.check.checkpoint.root).decode() if self.check else ""

    @property
    def leaf_b64(self) -> str:
        return base64.b64encode(self.check.leaf_hash).decode() if self.check else ""

    @property
    def kind_label(self) -> str:
        name = str((self.envelope or {}).get("kind", ""))
        try:
            return str(kinds.get(name).label)
        except kinds.UnknownKindError:
            return name

    @property
    def record(self) -> Mapping[str, Any]:
        record = (self.envelope or {}).get("record")
        return record if isinstance(record, Mapping) else {}

    @property
    def document_matches(self) -> bool:
        return bool(self.document) and all(match.matches for match in self.document)


def configured_witness_keys() -> list[str]:
    """The verifier keys of the witnesses this log asks to cosign (``URL|vkey`` pairs in the settings)."""
    return [item.partition("|")[2].strip() for item in settings.LEDGER_WITNESSES if item.partition("|")[2].strip()]


class VerifyForm(forms.Form):
    """A receipt, optionally the entry's bytes or the original document, and the keys to check them against."""

    receipt = forms.FileField(
        label=gettext_lazy("Receipt (.tlog-proof)"),
        help_text=gettext_lazy("The file downloaded from a record's page; at most 64 KiB."),
        widget=forms.FileInput(attrs={"accept": ".tlog-proof,.txt,text/plain"}),
    )
    document = forms.FileField(
        label=gettext_lazy("Original document (optional)"),
        required=False,
        help_text=gettext_lazy(
            "For evidence: we compare its digests with the recorded ones; at most 20 MB. It is not kept."
        ),
    )
    entry = forms.FileField(
        label=gettext_lazy("Entry file (optional)"),
        required=False,
        help_text=gettext_lazy("Only for receipts that do not carry the entry's bytes themselves; at most 64 KiB."),
    )
    vkey = forms.CharField(
        label=gettext_lazy("Verifier key of the log"),
        max_length=500,
        help_text=gettext_lazy("This log's key is filled in; replace it to check a receipt of another log."),
        widget=forms.TextInput(attrs={"class": "mono", "autocomplete": "off", "spellcheck": "false"}),
    )
    witnesses = forms.CharField(
        label=gettext_lazy("Witness keys (optional)"),
        required=False,
        max_length=MAX_WITNESS_KEYS * 300,
        help_text=gettext_lazy("One verifier key per line. Cosignatures by these witnesses are checked and listed."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "spellcheck": "false"}),
    )
    min_witnesses = forms.IntegerField(
        label=gettext_lazy("Witnesses required"),
        required=False,
        min_value=0,
        max_value=MAX_WITNESS_KEYS,
        initial=0,
        help_text=gettext_lazy("How many of the witnesses above must have cosigned the checkpoint."),
    )

    def __init__(self, *args: Any, refused: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Uploads the view stopped reading because they exceeded their limit.
        self.refused = set(refused)
        for name in self.refused:
            # Only "too large" is said about a refused upload, not also "required".
            self.fields[name].required = False
        self.log_verifier: Verifier | None = None
        self.witness_verifiers: list[Verifier] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in sorted(self.refused):
            self.add_error(name, too_large_message(name))
        return cleaned

    def _upload(self, name: str) -> UploadedFile | None:
        upload = self.cleaned_data.get(name)
        if upload and upload.size is not None and upload.size > UPLOAD_LIMITS[name]:
            raise forms.ValidationError(too_large_message(name))
        return upload if upload else None

    def clean_receipt(self) -> str:
        upload = self._upload("receipt")
        if upload is None:
            return ""
        try:
            return bytes(upload.read(RECEIPT_MAX_BYTES + 1)).decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The receipt is not UTF-8 text; choose the .tlog-proof file itself.")
            ) from None

    def clean_entry(self) -> bytes | None:
        upload = self._upload("entry")
        return bytes(upload.read(ENTRY_MAX_BYTES + 1)) if upload is not None else None

    def clean_document(self) -> UploadedFile | None:
        return self._upload("document")

    def clean_vkey(self) -> str:
        text = str(self.cleaned_data.get("vkey", "")).strip()
        try:
            self.log_verifier = parse_vkey(text)
        except NoteError as exc:
            raise forms.ValidationError(_("This is not a verifier key: %(reason)s") % {"reason": exc}) from None
        return text

    def clean_witnesses(self) -> str:
        text = str(self.cleaned_data.get("witnesses", ""))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_WITNESS_KEYS:
            raise forms.ValidationError(_("Give at most %(count)d witness keys.") % {"count": MAX_WITNESS_KEYS})
        verifiers: list[Verifier] = []
        for number, line in enumerate(lines, start=1):
            try:
                verifiers.append(parse_vkey(line))
            except NoteError as exc:
                raise forms.ValidationError(
                    _("Line %(number)d is not a verifier key: %(reason)s") % {"number": number, "reason": exc}
                ) from None
        self.witness_verifiers = verifiers
        return text

    def verify(self) -> Verification:
        """Check the receipt (and the document, once the receipt holds); call only on a valid form."""
        data = self.cleaned_data
        assert self.log_verifier is not None  # noqa: S101 - clean_vkey set it on a valid form
        try:
            check = verify_receipt(
                data["receipt"],
                self.log_verifier,
                witnesses=self.witness_verifiers,
                min_witnesses=data["min_witnesses"] or 0,
                entry=data["entry"],
            )
        except ReceiptError as exc:
            return Verification(error=str(exc))
        result = Verification(check=check, entry_source="upload" if data["entry"] is not None else "receipt")
        try:
            result.envelope = parse_body(check.entry)
        except RecordError:
            result.envelope = None
        document = data["document"]
        if document is not None:
            result.document_name = document.name or ""
            compare_document(result, document)
        return result


def compare_document(result: Verification, document: UploadedFile) -> None:
    """Put the document's digests beside the recorded ones, or say why they cannot be compared."""
    envelope = result.envelope or {}
    record = result.record
    recorded_sha256 = record.get("sha256")
    if envelope.get("kind") != EVIDENCE.name or not isinstance(recorded_sha256, str):
        result.document_note = _("This entry is not evidence of a document, so there is no digest to compare with.")
        return
    sha256, sm3 = file_digests(document)
    result.document = [DigestMatch("SHA-256", recorded_sha256, sha256)]
    recorded_sm3 = record.get("sm3")
    if isinstance(recorded_sm3, str) and recorded_sm3:
        result.document.append(DigestMatch("SM3", recorded_sm3, sm3))


def too_large_message(name: str) -> str:
    limits = {
        "receipt": _("The receipt is larger than 64 KiB; that is not a receipt of this kind."),
        "entry": _("The entry file is larger than 64 KiB; log entries are never that large."),
        "document": _("The document is larger than 20 MB; compare its SHA-256 on the record's page instead."),
    }
    return limits[name]
