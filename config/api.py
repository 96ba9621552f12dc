"""The HTTP API at /api/v1/: token authentication for systems, the browser session for
pages, and every error as an RFC 9457 problem document."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from pulang.accounts.api import TokenAuth
from pulang.accounts.api import router as accounts_router
from pulang.assessments.api import router as assessments_router
from pulang.audit.api import router as audit_router
from pulang.cases.api import router as cases_router
from pulang.errors import DomainError
from pulang.geo.api import router as geo_router
from pulang.linkage.api import router as linkage_router
from pulang.orgs.api import router as orgs_router
from pulang.reference.api import router as reference_router
from pulang.referrals.api import router as referrals_router
from pulang.registry.api import router as registry_router
from pulang.registry.imports.api import router as imports_router

PROBLEM_TYPE = "application/problem+json"


class BrowserSession(SessionAuth):
    """The signed-in browser session (CSRF-checked), acting as the session's actor."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or getattr(request, "actor", None) is None:
            return None
        return user


api = NinjaAPI(
    title="Pulang API",
    version="1",
    description=(
        "Return and reintegration information system. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are issued per role on the Tokens page)."
    ),
    auth=[TokenAuth(), BrowserSession()],
    urls_namespace="api-1",
    docs_url="/docs",
)


def problem(
    request: HttpRequest, status: int, code: str, title: str, detail: str = "", **extra: Any
) -> HttpResponse:
    body = {"type": f"urn:pulang:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_TYPE
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra: dict[str, Any] = {}
    errors = getattr(exc, "errors", None)
    if errors:
        extra["errors"] = errors
    return problem(request, exc.status, exc.code, exc.text, **extra)


def _reason(error: dict[str, Any]) -> str:
    """A schema error in the caller's language: the common kinds are said as the pages say
    them; any other keeps the validator's own (English) words."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    bound = {k: ctx[k] for k in ("le", "ge", "lt", "gt", "max_length") if k in ctx}
    simple = {
        "missing": _("this is required"),
        "int_parsing": _("give a whole number"),
        "int_type": _("give a whole number"),
        "int_from_float": _("give a whole number"),
        "float_parsing": _("give a number"),
        "float_type": _("give a number"),
        "decimal_parsing": _("give a number"),
        "date_parsing": _("give a date (year, month and day)"),
        "date_from_datetime_parsing": _("give a date (year, month and day)"),
        "date_type": _("give a date (year, month and day)"),
        "bool_parsing": _("give true or false"),
        "bool_type": _("give true or false"),
        "string_type": _("give a text"),
        "list_type": _("give a list"),
    }
    if kind in simple:
        return simple[kind]
    if kind in ("less_than_equal", "less_than") and bound:
        return _("give a number of at most %(max)s") % {"max": next(iter(bound.values()))}
    if kind in ("greater_than_equal", "greater_than") and bound:
        return _("give a number of at least %(min)s") % {"min": next(iter(bound.values()))}
    if kind == "string_too_long" and "max_length" in bound:
        return _("at most %(limit)d characters") % {"limit": int(bound["max_length"])}
    return str(error.get("msg", ""))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": _reason(e)}
        for e in exc.errors
    ]
    return problem(
        request,
        422,
        "pulang.invalid_input",
        _("Some of the information given is not valid."),
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(
        request,
        401,
        "pulang.unauthenticated",
        _("Sign in, or send a valid API token, to use this endpoint."),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, f"http.{exc.status_code}", str(exc))


class HealthOut(Schema):
    status: str
    database: str
    version: str


@api.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, tags=["system"])
def health(request: HttpRequest) -> Status[HealthOut]:
    """Liveness and database reachability, for load balancers and monitoring."""
    from pulang import __version__

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # a health check reports failure, it does not raise it
        return Status(
            503, HealthOut(status="unavailable", database="unreachable", version=__version__)
        )
    return Status(200, HealthOut(status="ok", database="ok", version=__version__))


api.add_router("/accounts", accounts_router)
api.add_router("/orgs", orgs_router)
api.add_router("/reference", reference_router)
api.add_router("/geo", geo_router)
api.add_router("/audit", audit_router)
api.add_router("/registry", registry_router)
api.add_router("/registry/imports", imports_router)
api.add_router("/linkage", linkage_router)
api.add_router("/cases", cases_router)
api.add_router("/assessments", assessments_router)
api.add_router("/referrals", referrals_router)
