"""Template tags of the page frame that read the page's context without Django's debug log of a
missing variable (that log holds the whole context: an activation code, a CPR number)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def context_get(context, name: str):
    """The context's ``name``, or "" when the page has none."""
    return context.get(name, "")


@register.simple_tag(takes_context=True)
def errors_on_page(context) -> bool:
    """Whether the page shows errors ("Fejl:" in its title): its form's, its own ``error``, or
    ``page_has_errors`` for a form under another name."""
    form = context.get("form")
    return bool(
        getattr(form, "errors", None) or context.get("error") or context.get("page_has_errors")
    )
