"""Dates, numbers and counts by locale (issue 13): "31. december 2026" and "20.000" in Danish,
"31 December 2026" and "20,000" in English, and a count of users in the Revisionslog in the
reader's language."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from mitid_portal.audit import audit_target_label

DATE = datetime.datetime(2026, 12, 31, 14, 5)
TEMPLATE = Template(
    '{% load humanize %}{{ d|date:"DATE_FORMAT" }}|{{ d|date:"DATETIME_FORMAT" }}|{{ n|intcomma }}'
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("da", "31. december 2026|31. december 2026 14:05|20.000"),
        ("en", "31 December 2026|31 December 2026 14:05|20,000"),
    ],
)
def test_dates_and_numbers_by_locale(language, expected):
    with translation.override(language):
        assert TEMPLATE.render(Context({"d": DATE, "n": 20000})) == expected


@pytest.mark.parametrize(
    ("language", "target", "label"),
    [
        ("da", "2 brugere", "2 brugere"),
        ("da", "2000 brugere", "2.000 brugere"),
        ("en", "2 brugere", "2 users"),
        ("en", "1 brugere", "1 user"),
        ("en", "20000 brugere", "20,000 users"),
        ("en", "Ida Holm", "Ida Holm"),
        ("en", "", ""),
    ],
)
def test_a_count_of_users_in_the_audit_log_reads_in_the_readers_language(language, target, label):
    with translation.override(language):
        assert audit_target_label(target) == label
