"""``{{ field|filter_field }}``: one field of a filter or small action form in Bootstrap 5 markup.

The list pages (sessions, members, catalog, reminders, audit) render their filter forms on
every request; crispy-forms' per-field templates cost several milliseconds there. This filter
builds the same markup — label, control, help text, errors — directly, escaped with
format_html. Entry forms keep crispy-forms.

The control itself is Django's own widget. A <select> renders each option through a template
include (a township's branches: a few milliseconds), so its HTML is kept per process under the
whole context Django hands the widget's template — name, attributes, every option, the chosen
values — plus the template, renderer and language: a change to any option, label or choice
is a different key.
"""

import json
from functools import lru_cache

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


@lru_cache(maxsize=512)
def _kept_widget(template_name: str, renderer, language: str, context_json: str) -> SafeString:
    with translation.override(language):
        return mark_safe(renderer.render(template_name, json.loads(context_json)))


def _select(field, attrs: dict) -> SafeString:
    """``field.as_widget(attrs=attrs)`` for a plain single or multiple <select>, kept by its context."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(attrs, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)
    # Option values (model choices) and lazy labels become the text the template prints.
    context_json = json.dumps(context, default=str)
    return _kept_widget(widget.template_name, field.form.renderer, translation.get_language(), context_json)


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
    if type(widget) in (forms.Select, forms.SelectMultiple) and not field.field.localize:
        control = _select(field, attrs)
    else:
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
