from __future__ import annotations

from django import forms

from notifications.choices import NotificationKind


class PreferenceForm(forms.Form):
    request_opened = forms.BooleanField(required=False, label=NotificationKind.REQUEST_OPENED.label)
    request_decided = forms.BooleanField(required=False, label=NotificationKind.REQUEST_DECIDED.label)
    production_alert = forms.BooleanField(required=False, label=NotificationKind.PRODUCTION_ALERT.label)
