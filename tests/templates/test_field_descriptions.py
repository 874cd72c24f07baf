"""The field includes give the hint and the error the ids that the widget's aria-describedby
names (Django 5.2: ``<id>_helptext``, ``<id>_error``), so a screen reader reads both with the
field; every id named exists once."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    name = forms.CharField(label="Navn", help_text="Som i CPR-registret", max_length=3)
    means = forms.MultipleChoiceField(
        label="Midler",
        help_text="Vælg mindst ét",
        choices=[("app", "MitID app"), ("chip", "MitID chip")],
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.ChoiceField(
        label="Slags", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    accept = forms.BooleanField(label="Jeg accepterer", help_text="Læs vilkårene")


INCLUDES = {
    "name": "includes/field.html",
    "means": "includes/checkbox_field.html",
    "kind": "includes/radio_field.html",
    "accept": "includes/single_checkbox.html",
}


@pytest.mark.parametrize("name", INCLUDES)
@pytest.mark.parametrize("data", [{}, {"name": "for langt navn"}], ids=["empty", "invalid"])
def test_every_described_by_id_is_on_the_page_once(name, data):
    form = _Form(data)
    form.is_valid()
    html = render_to_string(INCLUDES[name], {"field": form[name]})
    named = {i for ids in re.findall(r'aria-describedby="([^"]*)"', html) for i in ids.split()}
    assert named, html  # the error at least is described
    for element_id in named:
        assert html.count(f'id="{element_id}"') == 1, (element_id, html)
    assert f"{form[name].auto_id}_error" in named
