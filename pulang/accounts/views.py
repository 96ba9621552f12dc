from __future__ import annotations

from typing import Any, Literal, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pulang.accounts.forms import (
    ActingAsForm,
    LanguageForm,
    PreferenceForm,
    SignInForm,
    TokenCreateForm,
)
from pulang.accounts.middleware import TIME_ZONE_SESSION_KEY
from pulang.accounts.selectors import (
    api_token_get_for_actor,
    api_token_list,
    preference_for_user,
)
from pulang.accounts.services import (
    acting_as_record,
    api_token_create,
    api_token_revoke,
    login_failed_record,
    login_record,
    logout_record,
    password_changed_record,
    preference_update,
)
from pulang.errors import DomainError
from pulang.orgs.actor import Actor
from pulang.orgs.middleware import ACTING_MEMBERSHIP_SESSION_KEY, actor_for_session
from pulang.orgs.selectors import membership_get_for_user

_SameSite = Literal["Lax", "Strict", "None"]


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=cast(_SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
        httponly=False,
    )


class SignInView(LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.get_user()
        preference = preference_for_user(user=user)
        self.request.session[TIME_ZONE_SESSION_KEY] = preference.time_zone
        login_record(actor=actor_for_session(self.request), user=user)
        _set_language_cookie(response, preference.language)
        return response

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        login_failed_record(username=str(form.data.get("username", "")))
        return super().form_invalid(form)


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Shown after too many failed sign-ins (django-axes calls it)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        logout_record(actor=getattr(request, "actor", None), user=request.user)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        password_changed_record(actor=getattr(request, "actor", None), user=user)
        messages.success(request, _("Your password has been changed."))
        return redirect("dashboard:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = preference_for_user(user=request.user)  # type: ignore[arg-type]
    form = PreferenceForm(
        request.POST or None,
        initial={"language": current.language, "time_zone": current.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = preference_update(
                actor=getattr(request, "actor", None),
                user=request.user,  # type: ignore[arg-type]
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except DomainError as error:
            form.add_error(None, error.text)
        else:
            request.session[TIME_ZONE_SESSION_KEY] = saved.time_zone
            messages.success(request, _("Your preferences have been saved."))
            response = redirect("accounts:preferences")
            _set_language_cookie(response, saved.language)
            return response
    return render(request, "accounts/preferences.html", {"form": form})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: remembers the choice in a cookie and, once signed in, in the
    user's preferences so that it follows them to other devices."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            preference = preference_for_user(user=request.user)
            preference_update(
                actor=getattr(request, "actor", None),
                user=request.user,
                language=language,
                time_zone=preference.time_zone,
            )
        _set_language_cookie(response, language)
    return response


@login_required
@require_POST
def switch_acting_as(request: HttpRequest) -> HttpResponse:
    form = ActingAsForm(request.POST)
    if form.is_valid():
        membership = membership_get_for_user(
            user=request.user,  # type: ignore[arg-type]
            membership_id=form.cleaned_data["membership"],
        )
        if membership is not None:
            request.session[ACTING_MEMBERSHIP_SESSION_KEY] = membership.pk
            acting_as_record(actor=Actor(user=request.user, membership=membership))  # type: ignore[arg-type]
            messages.success(
                request,
                _("You are now acting as %(role)s at %(organisation)s.")
                % {"role": membership.get_role_display(), "organisation": membership.organisation},
            )
    return redirect("dashboard:home")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        return redirect("dashboard:home")
    form = TokenCreateForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _, new_secret = api_token_create(
            actor=actor,
            membership=actor.membership,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        form = TokenCreateForm()
    context = {"form": form, "tokens": api_token_list(actor=actor), "new_secret": new_secret}
    # The page that shows a new secret must never be cached by the browser or a proxy.
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is not None:
        token = api_token_get_for_actor(actor=actor, token_id=token_id)
        if token is not None and token.revoked_at is None:
            api_token_revoke(actor=actor, token=token)
            messages.success(request, _("The token has been revoked."))
    return redirect(reverse("accounts:tokens"))
