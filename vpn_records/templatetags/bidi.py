"""Users' own text (a file name) inside our sentences: `|bdi` in HTML, `|isolate` in plain text and <title>; `|ltr`
for a number or address, which stays left to right."""

from django import template

from core.bidi import bdi_html, isolate, ltr_html

register = template.Library()
register.filter("bdi", bdi_html)
register.filter("isolate", isolate)
register.filter("ltr", ltr_html)
