"""Import pages: upload → match columns (first time only) → check → import → progress.
The batch page polls its status with htmx every two seconds while work runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pulang.errors import DomainError, InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.reference.selectors import country_list
from pulang.registry.imports import tasks
from pulang.registry.imports.errors import ImportAlreadyDone, ImportMappingIncomplete
from pulang.registry.imports.forms import NEW_SOURCE, MappingForm, UploadForm, initial_mapping
from pulang.registry.imports.policies import can_import
from pulang.registry.imports.presenters import error_report_file_name, error_report_lines
from pulang.registry.imports.selectors import (
    import_batch_error_report,
    import_batch_errors,
    import_batch_get_for_actor,
    import_batches_for_actor,
    import_sources_for_actor,
)
from pulang.registry.imports.services import (
    TEMPLATE_LABELS,
    import_batch_abandon,
    import_batch_check,
    import_batch_commit,
    import_batch_map,
    import_batch_upload,
    import_source_choose,
    is_stalled,
    mapping_fits,
)

if TYPE_CHECKING:
    from pulang.registry.imports.models import ImportBatch


def _importer(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can_import(actor):
        raise Http404
    return actor


def _batch(actor: Actor, batch_id: int) -> ImportBatch:
    try:
        return import_batch_get_for_actor(actor=actor, batch_id=batch_id)
    except NotFound as error:
        raise Http404 from error


@login_required
def imports_view(request: HttpRequest) -> HttpResponse:
    actor = _importer(request)
    sources = list(import_sources_for_actor(actor=actor))
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        sources=sources,
        templates=list(TEMPLATE_LABELS.items()),
    )
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["source"]
        upload = form.cleaned_data["file"]
        try:
            source = None
            if choice != NEW_SOURCE:
                kind, _sep, value = choice.partition(":")
                source = import_source_choose(
                    actor=actor,
                    source_id=int(value) if kind == "s" and value.isdigit() else None,
                    template_name=value if kind == "t" else "",
                )
            batch = import_batch_upload(
                actor=actor, upload=upload, file_name=upload.name or "", source=source
            )
        except ImportAlreadyDone as error:
            messages.info(request, error.text)
            return redirect("registry:imports")
        except InvalidInput as error:
            form.add_error("source", " ".join(str(e["reason"]) for e in error.errors))
        except DomainError as error:
            form.add_error("file", error.text)
        else:
            if choice == NEW_SOURCE or mapping_fits(batch):
                return redirect("registry:import_map", batch_id=batch.pk)
            return _start_check(request, actor, batch)
    return render(
        request,
        "registry/imports/index.html",
        {"form": form, "batches": import_batches_for_actor(actor=actor)},
    )


def _start_check(request: HttpRequest, actor: Actor, batch: ImportBatch) -> HttpResponse:
    try:
        import_batch_check(actor=actor, batch=batch, enqueue=tasks.enqueue_check)
    except ImportMappingIncomplete:
        return redirect("registry:import_map", batch_id=batch.pk)
    except DomainError as error:
        messages.error(request, error.text)
    return redirect("registry:import_batch", batch_id=batch.pk)


@login_required
def batch_map_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    batch = _batch(actor, batch_id)
    countries = [(c.code, c.name) for c in country_list()]
    form = MappingForm(
        request.POST or None,
        headers=batch.headers,
        countries=countries,
        initial=initial_mapping(batch.headers, batch.source),
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_batch_map(
                actor=actor,
                batch=batch,
                name=form.cleaned_data["name"],
                columns=form.mapping(),
                values=form.default_values(),
                date_format=form.cleaned_data["date_format"],
                encoding=form.cleaned_data["encoding"],
            )
            import_batch_check(actor=actor, batch=batch, enqueue=tasks.enqueue_check)
        except ImportMappingIncomplete as error:
            for problem in error.problems:
                form.add_error(None, problem)
        except InvalidInput as error:
            for item in error.errors:
                form.add_error(None, str(item["reason"]))
        except DomainError as error:
            form.add_error(None, error.text)
        else:
            return redirect("registry:import_batch", batch_id=batch.pk)
    return render(request, "registry/imports/map.html", {"form": form, "batch": batch})


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    return {
        "batch": batch,
        "errors": import_batch_errors(batch=batch),
        "stalled": is_stalled(batch),
        "to_write": batch.to_write,
    }


@login_required
def batch_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    batch = _batch(actor, batch_id)
    return render(request, "registry/imports/batch.html", _status_context(batch))


@login_required
def batch_status_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    batch = _batch(actor, batch_id)
    return render(request, "registry/imports/_status.html", _status_context(batch))


@login_required
@require_POST
def batch_check_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    return _start_check(request, actor, _batch(actor, batch_id))


@login_required
@require_POST
def batch_commit_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    batch = _batch(actor, batch_id)
    try:
        import_batch_commit(actor=actor, batch=batch, enqueue=tasks.enqueue_commit)
    except DomainError as error:
        messages.error(request, error.text)
    return redirect("registry:import_batch", batch_id=batch.pk)


@login_required
@require_POST
def batch_abandon_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = _importer(request)
    batch = _batch(actor, batch_id)
    try:
        import_batch_abandon(actor=actor, batch=batch)
    except DomainError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, _("The file has been deleted; nothing was imported."))
    return redirect("registry:imports")


@login_required
def batch_errors_view(request: HttpRequest, batch_id: int) -> StreamingHttpResponse:
    actor = _importer(request)
    try:
        rows = import_batch_error_report(actor=actor, batch_id=batch_id)
    except NotFound as error:
        raise Http404 from error
    response = StreamingHttpResponse(
        error_report_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{error_report_file_name(batch_id)}"'
    return response
