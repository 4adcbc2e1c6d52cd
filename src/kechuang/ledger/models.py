"""Tables of the transparency log. Entries are inserted once and never changed or deleted.

``Entry`` holds what was logged; ``Leaf`` the index the sequencer gave it; ``Pending`` the queue of
entries not yet integrated; ``Tile`` the tlog-tiles hashes (a partial tile grows until it is full,
then never changes); ``Checkpoint`` every signed tree head; ``Cosignature`` witnesses' signatures on
them; ``LogState`` the one row the sequencer locks so that only one of it runs at a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.Model):
    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    version = models.PositiveSmallIntegerField(_("schema version"))
    body = models.BinaryField(_("canonical bytes"))
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    sm3 = models.BinaryField(_("SM3 digest"), max_length=32)
    # The salt of a commitment entry; never published. Disclosure = record + salt + receipt.
    salt = models.BinaryField(_("salt"), max_length=32, null=True, blank=True)
    # A key the owning app looks entries up by, e.g. the SHA-256 of a notarised document.
    subject = models.CharField(_("subject"), max_length=128, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Leaf(models.Model):
    """The position of an entry in the tree; written once, by the sequencer."""

    index = models.BigIntegerField(_("index"), primary_key=True)
    entry = models.OneToOneField(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="leaf")
    integrated_at = models.DateTimeField(_("integrated at"))

    class Meta:
        verbose_name = _("leaf")
        verbose_name_plural = _("leaves")

    def __str__(self) -> str:
        return f"leaf {self.index}"


class Pending(models.Model):
    """An entry waiting for the sequencer; the row goes once the entry has its leaf."""

    entry = models.OneToOneField(Entry, primary_key=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"pending entry {self.pk}"


class Tile(models.Model):
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField(max_length=8192)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_position")]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index}"


class Checkpoint(models.Model):
    size = models.BigIntegerField(_("tree size"), unique=True)
    root = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.CharField(_("witness"), max_length=200)
    line = models.TextField(_("signature line"))
    timestamp = models.BigIntegerField(_("cosigned at (POSIX seconds)"))

    class Meta:
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_once")]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"


class LogState(models.Model):
    """The one row (id 1) holding the integrated size and root; the sequencer locks it."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"log state at size {self.size}"
