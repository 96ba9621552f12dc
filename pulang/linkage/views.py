"""The review queue's pages: the list of pairs waiting, and one pair side by side with
the decision buttons. Only those who may merge both records see a pair; for anyone else
it does not exist (404, and the attempt is audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pulang.errors import Conflict, InvalidInput, NotFound
from pulang.linkage.forms import PairDecisionForm, apply_errors
from pulang.linkage.policies import can_review_pairs
from pulang.linkage.presenters import comparison_rows, percent
from pulang.linkage.selectors import PairFilters, pair_next_id, pair_queue, pair_review
from pulang.linkage.services import pair_decide

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

PER_PAGE = 25


def _reviewer(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can_review_pairs(actor):
        raise Http404
    return actor


@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    actor = _reviewer(request)
    run = request.GET.get("run", "")
    filters = PairFilters(run_id=int(run) if run.isdigit() else None)
    page = Paginator(pair_queue(actor=actor, filters=filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"pair": pair, "percent": percent(pair.match_probability)} for pair in page]
    return render(request, "linkage/queue.html", {"page": page, "rows": rows, "run": run})


@login_required
def pair_view(request: HttpRequest, pair_id: int) -> HttpResponse:
    actor = _reviewer(request)
    form = PairDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = pair_decide(
                actor=actor,
                pair_id=pair_id,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                expected_versions=form.versions(),
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except Conflict as error:
            messages.error(request, error.text)
            return redirect("linkage:pair", pair_id=pair_id)
        else:
            if decided.merge_id is not None:
                messages.success(
                    request,
                    _(
                        "Decided: the same person. Record %(absorbed)s was merged into record "
                        "%(survivor)s; it can be undone from that record's page."
                    )
                    % {
                        "absorbed": decided.decision.person_b_id,
                        "survivor": decided.decision.person_a_id,
                    },
                )
            else:
                messages.success(request, _("The decision has been recorded."))
            following = pair_next_id(actor=actor, after=decided.pair)
            if following is None:
                return redirect("linkage:queue")
            return redirect("linkage:pair", pair_id=following)
    try:
        pair = pair_review(actor=actor, pair_id=pair_id)
    except NotFound as error:
        raise Http404 from error
    if not form.is_bound:
        form = PairDecisionForm(
            initial={"version_a": pair.person_a.version, "version_b": pair.person_b.version}
        )
    context: dict[str, Any] = {
        "pair": pair,
        "a": pair.person_a,
        "b": pair.person_b,
        "percent": percent(pair.match_probability),
        "comparisons": comparison_rows(pair.comparisons),
        "form": form,
        "is_open": pair.status == pair.Status.QUEUED,
        "next_pair_id": pair_next_id(actor=actor, after=pair),
    }
    return render(request, "linkage/pair.html", context)
