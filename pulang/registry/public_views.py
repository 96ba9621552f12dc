"""Public pages: self-registration and its status, for returnees without an account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from pulang.errors import InvalidInput, NotFound
from pulang.geo.selectors import area_children, area_choices_within, area_get
from pulang.reference.selectors import country_list
from pulang.registry import ratelimit
from pulang.registry.forms import apply_errors
from pulang.registry.public_forms import SelfRegistrationForm, StatusForm, initial_from_payload
from pulang.registry.selectors import intake_by_reference, self_registration_draft
from pulang.registry.services import self_registration_save, self_registration_submit

HOME_COUNTRY = getattr(settings, "PULANG_HOME_COUNTRY", "ID")
POSTS_PER_HOUR = 20
LOOKUPS_PER_HOUR = 30
# Choosing a province brings its areas back (a post that writes nothing): counted apart, so
# that finding one's village does not use up the registration's own posts.
AREA_REFRESHES_PER_HOUR = 120


def _choices(province_code: str) -> dict[str, list[tuple[str, str]]]:
    provinces = [(a.code, a.name) for a in area_children(country_code=HOME_COUNTRY)]
    areas: list[tuple[str, str]] = []
    if province_code:
        try:
            root = area_get(country_code=HOME_COUNTRY, code=province_code)
        except NotFound:
            root = None
        if root is not None:
            areas = [
                (a.code, f"{'· ' * (a.level - 2)}{a.name}")
                for a in area_choices_within(root=root, country_code=HOME_COUNTRY)
                if a.level > 1
            ]
    destinations = [(c.code, c.name) for c in country_list(destination=True)]
    return {"provinces": provinces, "areas": areas, "countries": destinations}


@never_cache
@csrf_protect
def self_register_view(request: HttpRequest) -> HttpResponse:
    province = (request.POST.get("province") or request.GET.get("province") or "").strip()
    form = SelfRegistrationForm(request.POST or None, **_choices(province))
    context: dict[str, Any] = {"form": form, "saved_code": None, "sent": None}
    if request.method == "POST" and request.POST.get("action") == "resume":
        return _resume(request)
    if request.method == "POST":
        refresh = request.POST.get("refresh") == "areas"
        bucket, limit = (
            ("self-register-areas", AREA_REFRESHES_PER_HOUR)
            if refresh
            else ("self-register", POSTS_PER_HOUR)
        )
        if not ratelimit.allow(
            bucket, ratelimit.client_key(request), limit=limit, window_seconds=3600
        ):
            context["limited"] = True
            return render(request, "registry/self_register.html", context, status=429)
        if refresh:
            # Province chosen: the page comes back with that province's areas to pick from.
            form.errors.clear()
            return render(request, "registry/self_register.html", context)
        if form.is_valid() and not form.cleaned_data["website"]:
            intake = None
            try:
                intake = self_registration_save(
                    payload=form.payload(HOME_COUNTRY),
                    reference_code=form.cleaned_data["reference_code"],
                )
                if request.POST.get("action") == "send":
                    intake = self_registration_submit(reference_code=intake.reference_code)
                    context["sent"] = intake
                else:
                    context["saved_code"] = intake.reference_code
                    form = SelfRegistrationForm(
                        initial={**form.cleaned_data, "reference_code": intake.reference_code},
                        **_choices(province),
                    )
                    context["form"] = form
            except InvalidInput as error:
                apply_errors(form, error.errors)
                # Saved, not sent: the code comes back in the page, so that the next Send
                # sends this draft rather than saving another.
                code = intake.reference_code if intake is not None else ""
                code = code or form.cleaned_data.get("reference_code") or ""
                context["saved_code"] = code or None
                data = request.POST.copy()
                data["reference_code"] = code
                form.data = data
            except NotFound:
                form.add_error(None, _("That registration code is not known."))
    return render(request, "registry/self_register.html", context)


def _resume(request: HttpRequest) -> HttpResponse:
    """A draft saved earlier, back in the form, for whoever holds its code (counted as a
    look-up of a code, like the status page)."""
    if not ratelimit.allow(
        "self-status",
        ratelimit.client_key(request),
        limit=LOOKUPS_PER_HOUR,
        window_seconds=3600,
    ):
        return render(request, "registry/self_register.html", {"limited": True}, status=429)
    draft = self_registration_draft(reference_code=request.POST.get("reference_code", ""))
    if draft is None:
        status = StatusForm(request.POST)
        status.is_valid()
        status.add_error(None, _("No saved registration has this code."))
        return render(request, "registry/self_status.html", {"form": status}, status=404)
    area = str(draft.payload.get("home_area") or "")
    province = _province_of(area)
    initial = initial_from_payload(draft.payload, province)
    form = SelfRegistrationForm(
        initial={**initial, "reference_code": draft.reference_code}, **_choices(province)
    )
    context = {"form": form, "saved_code": draft.reference_code, "sent": None}
    return render(request, "registry/self_register.html", context)


def _province_of(area_code: str) -> str:
    if not area_code:
        return ""
    try:
        area = area_get(country_code=HOME_COUNTRY, code=area_code)
    except NotFound:
        return ""
    segments = area.path.strip("/").split("/")
    return segments[1] if len(segments) > 1 else ""


@never_cache
@csrf_protect
def self_status_view(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST or None)
    intake = None
    status = 200
    if request.method == "POST":
        if not ratelimit.allow(
            "self-status",
            ratelimit.client_key(request),
            limit=LOOKUPS_PER_HOUR,
            window_seconds=3600,
        ):
            return render(
                request, "registry/self_status.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            intake = intake_by_reference(reference_code=form.cleaned_data["reference_code"])
            if intake is None:
                form.add_error("reference_code", _("That registration code is not known."))
    return render(
        request, "registry/self_status.html", {"form": form, "intake": intake}, status=status
    )
