"""``{{ field|filter_field }}``: one field of a filter or small action form in Bootstrap 5 markup.

The list pages (sessions, members, catalog, reminders, audit) render their filter forms on
every request; crispy-forms' per-field templates cost several milliseconds there. This filter
builds the same markup — label, control, help text, errors — directly, escaped with
format_html. Entry forms keep crispy-forms.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


def _control_class(widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


# Widgets this filter does not lay out itself: crispy-forms renders them.
_LEFT_TO_CRISPY = (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.HiddenInput, forms.MultiWidget)
_REQUIRED = mark_safe('<span class="asteriskField" aria-hidden="true">*</span>')


@register.filter
def filter_field(field):
    widget = field.field.widget
    if isinstance(widget, _LEFT_TO_CRISPY) or not field.auto_id:
        return as_crispy_field(field)
    classes = [widget.attrs.get("class", ""), _control_class(widget)]
    attrs = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
        described_by.append(f"{field.auto_id}_error")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    attrs["class"] = " ".join(c for c in classes if c)
    control = field.as_widget(attrs=attrs)
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
        if field.help_text
        else ""
    )
    errors = (
        format_html(
            '<div id="{}_error" class="invalid-feedback d-block">{}</div>',
            field.auto_id,
            format_html_join(" ", "{}", ((e,) for e in field.errors)),
        )
        if field.errors
        else ""
    )
    required = _REQUIRED if field.field.required else ""
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="form-check mb-3">{}<label class="form-check-label" for="{}">{}{}</label>{}{}</div>',
            control,
            field.id_for_label,
            field.label,
            required,
            help_text,
            errors,
        )
    return format_html(
        '<div class="mb-3"><label class="form-label" for="{}">{}{}</label>{}{}{}</div>',
        field.id_for_label,
        field.label,
        required,
        control,
        help_text,
        errors,
    )
