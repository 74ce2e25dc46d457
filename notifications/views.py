"""The profile page: who I am, my roles and teams, and which e-mails I get."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from mlops_gov.errors import DomainError
from mlops_gov.roles import ROLE_LABELS
from notifications import selectors, services
from notifications.choices import NotificationKind
from notifications.forms import PreferenceForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User), "login_required"
    preference = selectors.preference_for(user)
    current = {kind: getattr(preference, kind) for kind in NotificationKind.values}
    form = PreferenceForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        changes = {
            kind: form.cleaned_data[kind]
            for kind in NotificationKind.values
            if form.cleaned_data[kind] != current[kind]
        }
        try:
            if changes:
                services.preferences_update(user=user, actor=user, **changes)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, gettext("Saved your e-mail settings.") if changes else gettext("Nothing changed.")
            )
            return redirect("profile")
    context = {
        "form": form,
        "roles": [str(ROLE_LABELS.get(name, name)) for name in sorted(user.groups.values_list("name", flat=True))],
        "teams": list(user.teams.values_list("name", flat=True)),
    }
    return render(request, "notifications/profile.html", context, status=400 if form.errors else 200)
