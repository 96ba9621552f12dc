"""The returnee's own feedback on a service they were referred to, with the registration
code they keep from self-registration: no account, nothing shown but the services they
can still rate (the service's and provider's names). Rate-limited like the other public
pages that take a code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from pulang.errors import InvalidInput, NotFound
from pulang.referrals.forms_referrals import CodeFeedbackForm, CodeForm, apply_errors
from pulang.referrals.presenters import entry_name
from pulang.referrals.selectors.work import referrals_to_rate
from pulang.referrals.services.referrals import referral_feedback_by_code
from pulang.registry import ratelimit

LOOKUPS_PER_HOUR = 30


@never_cache
@csrf_protect
def feedback_view(request: HttpRequest) -> HttpResponse:
    """Step 1: the code; step 2: a rating per service (each its own small form)."""
    context: dict[str, Any] = {"form": CodeForm(), "rated": False}
    status = 200
    if request.method == "POST":
        if not ratelimit.allow(
            "referral-feedback",
            ratelimit.client_key(request),
            limit=LOOKUPS_PER_HOUR,
            window_seconds=3600,
        ):
            context["limited"] = True
            return render(request, "referrals/public_feedback/feedback.html", context, status=429)
        rating = "satisfaction" in request.POST
        form: CodeForm | CodeFeedbackForm = (
            CodeFeedbackForm(request.POST) if rating else CodeForm(request.POST)
        )
        context["form"] = form
        if form.is_valid():
            code = form.cleaned_data["reference_code"]
            if rating:
                try:
                    referral_feedback_by_code(
                        reference_code=code,
                        referral_id=form.cleaned_data["referral"],
                        satisfaction=form.cleaned_data["satisfaction"],
                        comment=form.cleaned_data["comment"],
                    )
                except NotFound:
                    form.add_error(None, _("That service is not one you can rate."))
                    status = 404
                except InvalidInput as error:
                    apply_errors(form, error.errors)
                    status = 422
                else:
                    context["rated"] = True
            found = referrals_to_rate(reference_code=code)
            if found is None:
                form.add_error("reference_code", _("That registration code is not known."))
                status = 404
            else:
                context["code"] = code
                context["rows"] = [{"referral": r, "name": entry_name(r.service)} for r in found]
                context["choices"] = CodeFeedbackForm.base_fields["satisfaction"].choices  # type: ignore[attr-defined]
        else:
            status = 422
    return render(request, "referrals/public_feedback/feedback.html", context, status=status)


app_name = "feedback"
urlpatterns = [path("", feedback_view, name="feedback")]
