from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pulang.dashboard.panels import panels_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    panels = panels_for(actor) if actor is not None else []
    return render(request, "dashboard/home.html", {"actor": actor, "panels": panels})
