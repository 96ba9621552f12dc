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


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")}
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
