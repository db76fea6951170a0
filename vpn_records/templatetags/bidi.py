"""Users' own text (a file name) inside our sentences: `|bdi` in HTML, `|isolate` in plain text and <title>."""

from django import template

from core.bidi import bdi_html, isolate

register = template.Library()
register.filter("bdi", bdi_html)
register.filter("isolate", isolate)
