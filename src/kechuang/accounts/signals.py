"""Signals the accounts app sends, so higher apps can react without accounts importing them.

``membership_decided``: an admin or operator approved, rejected or revoked a membership (or the
member gave it up). Sent inside the deciding transaction, after the new state is saved, with
``membership`` and ``actor``; receivers that write join that transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

membership_decided = Signal()
