"""Form widgets that render without a template per option.

Django renders every <option> through its own template include, which costs
milliseconds on a filter form with a few hundred branches; these widgets
build the same markup directly (escaped with format_html).
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, mark_safe(" selected") if str(option_value) in selected else "", label)
                for option_value, label in self._plain_choices()
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)

    def _plain_choices(self):
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # option groups are flattened
                yield from label
            else:
                yield ("" if option_value is None else getattr(option_value, "value", option_value), label)
