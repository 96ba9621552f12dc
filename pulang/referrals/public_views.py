"""The public service directory: returnees and their families find help near where they
live, in their language, on a phone, without an account.

Reads only, of published entries, nothing personal: no rate limit is needed, no session
is written, and the only cookie is the CSRF token Django needs for the language switch
in the footer. Pages may be kept by the reader's own browser for a few minutes, never by
a shared cache (they vary with the language and carry that token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from pulang.errors import NotFound
from pulang.geo.selectors import area_children, area_choices_within, area_get
from pulang.referrals.public_forms import DirectorySearchForm
from pulang.referrals.selectors.directory import directory_search, service_public_get

HOME_COUNTRY = getattr(settings, "PULANG_HOME_COUNTRY", "ID")
PER_PAGE = 10
# Minutes a reader's browser may keep a page: the directory changes slowly.
BROWSER_CACHE_SECONDS = 300
_SEARCH_FIELDS = ("province", "area", "need", "service")


def _provinces() -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in area_children(country_code=HOME_COUNTRY)]


def _areas_of(province_code: str) -> list[tuple[str, str]]:
    """The districts, sub-districts and villages of a province, indented by level."""
    if not province_code:
        return []
    try:
        root = area_get(country_code=HOME_COUNTRY, code=province_code)
    except NotFound:
        return []
    if root.level != 1:
        return []
    return [
        (a.code, f"{'· ' * (a.level - 2)}{a.name}")
        for a in area_choices_within(root=root, country_code=HOME_COUNTRY)
        if a.level > 1
    ]


def _page_number(value: str | None) -> int:
    try:
        number = int(value or "1")
    except ValueError:
        return 1
    return max(1, min(number, 10_000))


def _search_query(data: QueryDict, **changes: Any) -> str:
    """The search as a query string (places and needs only: nothing personal)."""
    params = {name: data.get(name, "") for name in _SEARCH_FIELDS}
    params.update(changes)
    return urlencode({k: v for k, v in params.items() if v})


def _public(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["Accept-Language", "Cookie", "HX-Request"])
    return response


@require_GET
@cache_control(private=True, max_age=BROWSER_CACHE_SECONDS)
def directory_view(request: HttpRequest) -> HttpResponse:
    """Search by where the returnee lives (province, then district or village) and what
    they need; results in plain words, a page at a time."""
    province = request.GET.get("province", "").strip()
    form = DirectorySearchForm(
        request.GET if request.GET else None, provinces=_provinces(), areas=_areas_of(province)
    )
    # With a script, choosing a province brings its places at once (htmx).
    form.fields["province"].widget.attrs.update(
        {"hx-get": reverse("services:areas"), "hx-target": "#id_area", "hx-trigger": "change"}
    )
    context: dict[str, Any] = {"form": form, "searched": False}
    # "Show the places of this province" only brings the places (without a script).
    wants_results = bool(request.GET) and request.GET.get("refresh") != "areas"
    if wants_results and form.is_valid():
        page = _page_number(request.GET.get("page"))
        try:
            results = directory_search(
                area_code=form.area_code(),
                group=form.cleaned_data.get("need") or None,
                service_type=form.cleaned_data.get("service") or None,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                limit=PER_PAGE,
                offset=(page - 1) * PER_PAGE,
            )
        except NotFound:
            results = None
            form.add_error(None, _("That place is not known. Choose it again from the list."))
        if results is not None:
            pages = max(1, -(-results.total // PER_PAGE))
            query = _search_query(request.GET)
            context.update(
                searched=True,
                results=results,
                page=page,
                pages=pages,
                query=query,
                previous_query=_search_query(request.GET, page=page - 1) if page > 1 else "",
                next_query=_search_query(request.GET, page=page + 1) if page < pages else "",
                area_missing=bool(province) and not form.cleaned_data.get("area"),
                area_dropped=form.area_dropped,
            )
    return _public(render(request, "referrals/public/directory.html", context))


@require_GET
@cache_control(private=True, max_age=BROWSER_CACHE_SECONDS)
def area_options_view(request: HttpRequest) -> HttpResponse:
    """The places of a province, as options (htmx swaps them in when the province changes;
    without a script the search button brings the same list)."""
    areas = _areas_of(request.GET.get("province", "").strip())
    return _public(
        render(request, "referrals/public/_area_options.html", {"areas": areas}),
    )


@require_GET
@cache_control(private=True, max_age=BROWSER_CACHE_SECONDS)
def service_view(request: HttpRequest, service_id: int) -> HttpResponse:
    """One published service, everything a returnee needs to go there."""
    try:
        row = service_public_get(service_id=service_id)
    except NotFound as error:
        raise Http404 from error
    # Back to the same search (places and needs only).
    query = _search_query(request.GET)
    return _public(
        render(request, "referrals/public/service.html", {"row": row, "query": query}),
    )
