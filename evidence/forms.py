from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Which document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))
