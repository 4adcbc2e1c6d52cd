"""Operators' additions to the text analysis: domain terms for the segmenter and synonym groups."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DomainTerm(models.Model):
    """A word jieba should keep whole (a technology term, an organisation's short name)."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    frequency = models.PositiveIntegerField(
        _("frequency"),
        null=True,
        blank=True,
        help_text=_("Higher keeps the word whole more readily; empty: jieba's own guess."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("domain term")
        verbose_name_plural = _("domain terms")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SynonymGroup(models.Model):
    """Words and abbreviations that mean the same thing; a search for one finds the others."""

    words = models.CharField(
        _("words"), max_length=500, help_text=_("Separated by commas, e.g. AI, 人工智能, artificial intelligence.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["words"]

    def __str__(self) -> str:
        return self.words
