from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import EraseAccountForm, ProfileForm


@login_required
@never_cache  # the page shows the API token: no shared or browser cache may keep it
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            services.update_profile(
                user=user,
                name=form.cleaned_data["name"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=user)
    token = services.get_or_create_api_token(user=user)
    return render(request, "accounts/profile.html", {"form": form, "api_token": token.key})


@login_required
@require_POST
def rotate_api_token(request):
    services.rotate_api_token(user=request.user)
    messages.success(request, _("You have a new API token; the old one no longer works."))
    return redirect("accounts:profile")


@login_required
@never_cache
def export_data(request):
    data = services.export_personal_data(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"mediacampus-my-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def erase_account(request):
    form = EraseAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.erase_account(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data have been erased."))
        return redirect("home")
    return render(request, "accounts/erase.html", {"form": form})


@login_required
@require_POST
def rotate_feed_token(request):
    services.rotate_feed_token(user=request.user)
    messages.success(
        request, _("Your calendar feed has a new address; the old one no longer works.")
    )
    return redirect(reverse("my") + "#my-feed-heading")
