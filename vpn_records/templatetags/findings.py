from django import template

from vpn_records.checks import finding_message

register = template.Library()


@register.filter
def finding_text(finding: dict) -> str:
    """A stored verification finding, in the reader's language, addresses kept left-to-right."""
    return finding_message(finding, html=True)
