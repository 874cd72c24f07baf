"""The organisation administrator's setup of MitID Erhverv (G3.5–G3.11) and *Indstillinger* (G3.12)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from organisations.models import Organisation

# The identification means an organisation can allow (G3.8); the app is pre-selected.
MEANS = ["app", "kodeviser", "kodeoplaeser", "chip"]
SETUP_STEPS = ["import", "overview", "means", "policy", "billing", "summary"]
FREE_USERS = 3
PRICE_PER_USER_DKK = 20


def monthly_price(*, user_count: int) -> int:
    """The first 3 users are free, then 20 DKK per user a month."""
    return max(0, user_count - FREE_USERS) * PRICE_PER_USER_DKK


def _changed(organisation: Organisation, values: dict) -> dict:
    return {
        field: {"før": getattr(organisation, field), "efter": value}
        for field, value in values.items()
        if getattr(organisation, field) != value
    }


def _apply(organisation: Organisation, values: dict) -> None:
    if "allowed_means" in values:
        means = values["allowed_means"]
        if not means or any(m not in MEANS for m in means):
            raise RuleError("means", _("Vælg mindst ét identifikationsmiddel."))
        preferred = values.get("preferred_means", organisation.preferred_means)
        if preferred not in means:
            values["preferred_means"] = "app" if "app" in means else means[0]
    for field, value in values.items():
        setattr(organisation, field, value)


@transaction.atomic
def organisation_setup_step_done(
    *, organisation: Organisation, step: str, values: dict | None = None, actor, request=None
) -> Organisation:
    """Save one step of the setup and remember how far the administrator got, so that a setup
    left half way resumes where it stopped."""
    if step not in SETUP_STEPS:
        raise ValueError(step)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    values = dict(values or {})
    changes = _changed(organisation, values)
    _apply(organisation, values)
    if SETUP_STEPS.index(step) >= _progress(organisation):
        organisation.setup_step = step
    organisation.full_clean()
    organisation.save()
    if changes:
        audit_record(
            action="setup_step_saved",
            actor_name=actor.full_name,
            actor_user=actor,
            organisation=organisation,
            target=step,
            changes=changes,
            request=request,
        )
    return organisation


def _progress(organisation: Organisation) -> int:
    return SETUP_STEPS.index(organisation.setup_step) if organisation.setup_step else -1


def setup_next_step(*, organisation: Organisation) -> str | None:
    """The first step not yet done; None when every step is."""
    done = _progress(organisation)
    return SETUP_STEPS[done + 1] if done + 1 < len(SETUP_STEPS) else None


@transaction.atomic
def organisation_setup_complete(*, organisation: Organisation, actor, request=None) -> Organisation:
    """*Opsætningen af organisationen i MitID Erhverv er nu gennemført* (G3.11)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.setup_completed_at:
        return organisation
    missing = [s for s in SETUP_STEPS[:-1] if SETUP_STEPS.index(s) > _progress(organisation)]
    if missing or not organisation.allowed_means or not organisation.billing_method:
        raise RuleError("incomplete", _("Opsætningen mangler trin. Gennemfør dem først."))
    organisation.setup_step = "summary"
    organisation.setup_completed_at = timezone.now()
    organisation.state = Organisation.State.ACTIVE
    organisation.save()
    audit_record(
        action="setup_completed",
        actor_name=actor.full_name,
        actor_user=actor,
        organisation=organisation,
        target=organisation.name,
        request=request,
    )
    return organisation


@transaction.atomic
def organisation_settings_update(
    *, organisation: Organisation, values: dict, actor, request=None
) -> Organisation:
    """*Indstillinger* (G3.12): allowed means with one preferred (the star), the policy choices."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    values = dict(values)
    preferred = values.get("preferred_means")
    if preferred and preferred not in values.get("allowed_means", organisation.allowed_means):
        raise RuleError(
            "preferred", _("Det foretrukne identifikationsmiddel skal være et af de tilladte.")
        )
    changes = _changed(organisation, values)
    _apply(organisation, values)
    organisation.full_clean()
    organisation.save()
    if changes:
        audit_record(
            action="settings_changed",
            actor_name=actor.full_name,
            actor_user=actor,
            organisation=organisation,
            target=organisation.name,
            changes=changes,
            request=request,
        )
    return organisation
