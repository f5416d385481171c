from __future__ import annotations

from typing import cast

import django_otp
from axes.helpers import get_lockout_message
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import StaffLoginForm, TokenForm
from accounts.middleware import otp_verified
from accounts.models import User
from accounts.roles import SUPERVISE
from accounts.security import client_ip, permission_required


def _next_path(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and otp_verified(request.user):
        return HttpResponseRedirect(_next_path(request))
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        token_url = reverse("accounts:token")
        return HttpResponseRedirect(f"{token_url}?{urlencode({'next': _next_path(request)})}")
    return render(request, "accounts/login.html", {"form": form, "next": _next_path(request)})


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def token_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if otp_verified(user):
        return HttpResponseRedirect(_next_path(request))
    has_device = django_otp.user_has_device(user, confirmed=True)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and has_device and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            # Clear the failure count only now: a correct password alone proves too little.
            services.login_failures_clear(username=user.get_username(), ip=client_ip(request))
            return HttpResponseRedirect(_next_path(request))
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=request,
        )
        if getattr(request, "axes_locked_out", False):
            auth_logout(request)
            return render(
                request,
                "accounts/locked_out.html",
                {"failure_limit": get_lockout_message()},
                status=429,
            )
        form.add_error("token", _("Deze code klopt niet of is verlopen. Probeer de nieuwe code."))
    return render(
        request,
        "accounts/token.html",
        {"form": form, "has_device": has_device, "next": _next_path(request)},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("Je bent uitgelogd."))
    return redirect("accounts:login")


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")


@never_cache
@permission_required(SUPERVISE)
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/staff_list.html", {"staff": selectors.staff_overview()})


@never_cache
@permission_required(SUPERVISE)
@require_POST
def staff_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(User, pk=user_id)
    # permission_required let only a logged-in User through.
    services.staff_unlock(user=member, by=cast(User, request.user))
    messages.success(request, _("%(name)s kan weer inloggen.") % {"name": member.get_username()})
    return redirect("accounts:staff_list")
