from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``metrics|get_item:key`` — a dict value by a variable key (None when absent)."""
    return mapping.get(key) if mapping else None
