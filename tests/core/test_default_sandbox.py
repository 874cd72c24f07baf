"""The default sandbox (id 1), which a laptop's rows belong to, survives ``flush``: post_migrate
makes it again, and the next exercise still gets an id of its own (PostgreSQL's sequence)."""

import io

import pytest
from django.core.management import call_command

from mitid_portal.models import Sandbox
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID
from mitid_portal.sandboxes import sandbox_create
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_flush_leaves_the_default_sandbox_and_the_next_exercise_a_new_id():
    sandbox_create()
    call_command("flush", "--noinput", stdout=io.StringIO())
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [DEFAULT_SANDBOX_ID]
    organisation = OrganisationFactory()  # a laptop's row: in the default sandbox
    assert organisation.sandbox_id == DEFAULT_SANDBOX_ID
    sandbox, _token = sandbox_create()
    assert sandbox.pk != DEFAULT_SANDBOX_ID


def test_after_a_flush_by_the_previous_test_rows_can_be_written():
    assert OrganisationFactory().sandbox_id == DEFAULT_SANDBOX_ID
