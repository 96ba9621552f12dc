"""Background linkage runs. The task takes the run id, re-fetches it and calls one
service; the service records a failure on the run, so the task always ends quietly (a
traceback could quote registry data)."""

from __future__ import annotations

from django_tasks import task

from pulang.linkage.services import linkage_run_execute


@task()
def run_linkage(run_id: int) -> None:
    linkage_run_execute(run_id=run_id)


def enqueue_run(run_id: int) -> str:
    return str(run_linkage.enqueue(run_id).id)
