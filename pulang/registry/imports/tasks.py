"""Background steps of an import. Each task takes the batch id, re-fetches the batch and
calls one service; the services record failures on the batch, so a task always ends
quietly (its traceback could quote data from the file)."""

from __future__ import annotations

from django_tasks import task

from pulang.registry.imports.services import import_batch_run_check, import_batch_run_commit


@task()
def check_batch(batch_id: int) -> None:
    import_batch_run_check(batch_id=batch_id)


@task()
def commit_batch(batch_id: int) -> None:
    import_batch_run_commit(batch_id=batch_id)


def enqueue_check(batch_id: int) -> str:
    return str(check_batch.enqueue(batch_id).id)


def enqueue_commit(batch_id: int) -> str:
    return str(commit_batch.enqueue(batch_id).id)
