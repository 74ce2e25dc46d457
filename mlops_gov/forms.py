"""The project's form renderer: every field rendered with `{{ form.field.as_field_group }}` (or `{{ form }}`) gets
its label, help and errors beside it (templates/forms/field.html); Django ties them to the input with
aria-describedby and marks an invalid input with aria-invalid."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"
