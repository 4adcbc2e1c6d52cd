"""Background work of the review engine (django-tasks; the worker runs it, tests run it at once)."""

from __future__ import annotations

from django_tasks import task

from kechuang.review.runner import execute_run


@task()
def run_assignment(run_id: int) -> str:
    """Execute one queued assignment run; returns its final status."""
    return execute_run(run_id)
