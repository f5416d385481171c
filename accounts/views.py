from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
from axes.helpers import get_lockout_message
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.devices import totp_device_model
from accounts.forms import (
    EnrolmentForm,
    PasswordConfirmForm,
    StaffLoginForm,
    StaffPasswordChangeForm,
    TokenForm,
)
from accounts.middleware import otp_verified
from accounts.models import BackupCodeDevice, User
from accounts.navigation import role_home_url
from accounts.roles import MANAGE_STAFF
from accounts.security import client_ip, log_refusal, permission_required


def _staff(request: HttpRequest) -> User:
    """The logged-in member of staff (TwoFactorRequiredMiddleware lets nobody else here)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _next_path(request: HttpRequest) -> str:
    """The page asked for before the login, if it is ours; "" for none (the site's root
    counts as none: it is where a bookmark to the start goes)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate
        and candidate != reverse("home")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return ""


def _landing(request: HttpRequest) -> str:
    """Where a fully logged-in member of staff goes: the page they asked for, else their
    role's home (operators on the dashboard)."""
    return _next_path(request) or role_home_url(request.user)


def _locked_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return render(
        request,
        "accounts/locked_out.html",
        {"failure_limit": get_lockout_message()},
        status=429,
    )


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and otp_verified(request.user):
        return HttpResponseRedirect(_landing(request))
    form = StaffLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if services.second_factor_locked(user):
            # Locked for wrong codes: a correct password must not open a fresh round.
            return _locked_out(request)
        # login() gives the session a new key (the first factor); token_view does it again.
        auth_login(request, user)
        token_url = reverse("accounts:token")
        return HttpResponseRedirect(f"{token_url}?{urlencode({'next': _next_path(request)})}")
    return render(request, "accounts/login.html", {"form": form, "next": _next_path(request)})


def _second_factor_passed(request: HttpRequest, user: User, device: Any) -> None:
    django_otp.login(request, device)
    # A new session key for the fully logged-in session: a key planted or seen before
    # the second factor is worth nothing after it.
    request.session.cycle_key()
    services.second_factor_success(user)
    # Clear the failure count only now: a correct password alone proves too little.
    services.login_failures_clear(username=user.get_username(), ip=client_ip(request))


def _wrong_code(request: HttpRequest, user: User) -> HttpResponse | None:
    """Count a wrong code; the lockout page when that was one too many."""
    locked = services.second_factor_failure(user)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )
    if locked or getattr(request, "axes_locked_out", False):
        return _locked_out(request)
    return None


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def token_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if otp_verified(user):
        return HttpResponseRedirect(_landing(request))
    if services.second_factor_locked(user):
        return _locked_out(request)
    has_totp = totp_device_model().objects.filter(user=user, confirmed=True).exists()
    if not has_totp and user.must_enrol:
        return _enrol(request, user)
    has_device = has_totp or BackupCodeDevice.objects.filter(user=user, confirmed=True).exists()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and has_device and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["token"])
        if device is not None:
            _second_factor_passed(request, user, device)
            if isinstance(device, BackupCodeDevice):
                left = services.backup_codes_left(user=user)
                messages.warning(
                    request,
                    _("Je hebt een reservecode gebruikt; er zijn er nog %(left)s.")
                    % {"left": left},
                )
            return HttpResponseRedirect(_landing(request))
        refused = _wrong_code(request, user)
        if refused is not None:
            return refused
        form.add_error("token", _("Deze code klopt niet of is verlopen. Probeer de nieuwe code."))
    return render(
        request,
        "accounts/token.html",
        {"form": form, "has_device": has_device, "next": _next_path(request)},
    )


def _qr_svg(uri: str) -> str:
    # Imported here: qrcode pulls in Pillow, which only enrolment needs, not every process.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes | str = image.to_string(encoding="unicode")
    return svg.decode() if isinstance(svg, bytes) else svg


def _enrol(request: HttpRequest, user: User) -> HttpResponse:
    """Set up a new authenticator, allowed only after a supervisor's reset (must_enrol)."""
    device = services.enrolment_device(user=user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.enrolment_confirm(user=user, device=device)
            _second_factor_passed(request, user, device)
            codes = services.backup_codes_create(user=user)
            return render(
                request,
                "accounts/backup_codes_new.html",
                {"codes": codes, "next": _landing(request), "enrolled": True},
            )
        refused = _wrong_code(request, user)
        if refused is not None:
            return refused
        form.add_error(
            "token", _("Deze code klopt niet. Scan de code opnieuw en probeer het nog eens.")
        )
    uri = device.config_url
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "uri": uri,
            "secret": b32encode(device.bin_key).decode(),
            # Our own SVG of our own URI: paths only, no text or script.
            "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308
            "next": _next_path(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("Je bent uitgelogd."))
    return redirect("accounts:login")


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """The idle warning's "Blijf ingelogd": a real request that counts as activity.

    An expired session never gets here: SessionTimeoutMiddleware has logged it out and
    TwoFactorRequiredMiddleware sends it to the login page.
    """
    request.session["last_seen"] = int(timezone.now().timestamp())
    response = HttpResponse(status=204)
    response["X-Idle-Seconds"] = str(int(request.idle_limit_seconds))  # type: ignore[attr-defined]  # set by the middleware
    return response


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """Every page this member of staff may use, and their account's pages."""
    return render(request, "accounts/home.html")


OPERATOR_GUIDE = settings.BASE_DIR / "docs" / "operator-guide.md"
GUIDE_SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"


@never_cache
@require_http_methods(["GET"])
def operator_guide(request: HttpRequest) -> HttpResponse:
    """docs/operator-guide.md as the staff pages' help page. Raw HTML in the file is
    escaped, not passed through; its images (screenshots/...) resolve below /help/."""
    from markdown_it import MarkdownIt

    try:
        text = OPERATOR_GUIDE.read_text(encoding="utf-8")
    except OSError:
        raise Http404 from None
    guide = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return render(request, "accounts/operator_guide.html", {"guide": mark_safe(guide)})  # noqa: S308  # markdown-it escapes: html is off


@never_cache
@require_http_methods(["GET"])
def operator_guide_screenshot(request: HttpRequest, name: str) -> FileResponse:
    """A screenshot of the guide; the slug in the URL cannot leave the folder."""
    path = GUIDE_SCREENSHOTS / f"{name}.png"
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A member of staff changes their own password (fully logged in: the middleware)."""
    form = StaffPasswordChangeForm(_staff(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Keeps this session (with its verified second factor) and gives it a new key;
        # other sessions of this user end.
        update_session_auth_hash(request, user)
        services.password_changed(user=user)
        messages.success(request, _("Je wachtwoord is gewijzigd."))
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """How many backup codes are left; a new set (shown once) after the password."""
    form = PasswordConfirmForm(_staff(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.backup_codes_create(user=_staff(request))
        return render(
            request,
            "accounts/backup_codes_new.html",
            {"codes": codes, "next": reverse("home"), "enrolled": False},
        )
    return render(
        request,
        "accounts/backup_codes.html",
        {"form": form, "left": services.backup_codes_left(user=_staff(request))},
        status=400 if request.method == "POST" else 200,
    )


def _member_of_own_region(request: HttpRequest, user_id: int) -> User:
    """The member of staff `user_id`, if the supervisor's region is theirs; else 403, logged."""
    member = get_object_or_404(User, pk=user_id)
    if not services.same_region(_staff(request), member):
        log_refusal(request, reason="member of staff of another region")
        raise PermissionDenied
    return member


@never_cache
@permission_required(MANAGE_STAFF)
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    region = None if user.is_superuser else user.region
    return render(
        request, "accounts/staff_list.html", {"staff": selectors.staff_overview(region=region)}
    )


@never_cache
@permission_required(MANAGE_STAFF)
@require_POST
def staff_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member_of_own_region(request, user_id)
    services.staff_unlock(user=member, by=_staff(request))
    messages.success(request, _("%(name)s kan weer inloggen.") % {"name": member.get_username()})
    return redirect("accounts:staff_list")


@never_cache
@permission_required(MANAGE_STAFF)
@require_POST
def staff_reset_authenticator(request: HttpRequest, user_id: int) -> HttpResponse:
    """A lost phone: remove the member's authenticator; they set up a new one at login."""
    member = _member_of_own_region(request, user_id)
    services.authenticator_reset(user=member, by=_staff(request), ip_address=client_ip(request))
    messages.success(
        request,
        _(
            "De authenticator van %(name)s is verwijderd. Bij de volgende keer inloggen "
            "stelt %(name)s een nieuwe in."
        )
        % {"name": member.get_username()},
    )
    return redirect("accounts:staff_list")
