"""Saves and deletes of a provider's models queue index updates (``tasks.schedule``, after commit)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from kechuang.search.tasks import schedule


def follow(provider: Any) -> None:
    kind = provider.kind

    def own(sender: Any, instance: Any, **kwargs: Any) -> None:
        if not kwargs.get("raw"):  # fixtures being loaded: reindex afterwards
            schedule(kind, [instance.pk])

    post_save.connect(own, sender=provider.model, weak=False, dispatch_uid=f"search-{kind}")
    post_delete.connect(own, sender=provider.model, weak=False, dispatch_uid=f"search-{kind}-delete")
    for model, owners in provider.dependents.items():

        def dependent(sender: Any, instance: Any, _owners: Any = owners, **kwargs: Any) -> None:
            if not kwargs.get("raw"):
                schedule(kind, list(_owners(instance)))

        label = model._meta.label_lower
        post_save.connect(dependent, sender=model, weak=False, dispatch_uid=f"search-{kind}-{label}")
        post_delete.connect(dependent, sender=model, weak=False, dispatch_uid=f"search-{kind}-{label}-delete")
