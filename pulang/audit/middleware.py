from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from pulang.audit.context import Origin, client_address, origin


class AuditOriginMiddleware:
    """Tags everything audited during a request with its channel, address and request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        request_id = uuid.uuid4().hex
        ip_address = client_address(request) or None
        with origin(Origin(channel=channel, ip_address=ip_address, request_id=request_id)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
