"""Recording audit events (every administrative act, never a full CPR number) and reading them
back as sentences in the visitor's language.

``audit_record`` is the one way rows are written; it accepts only an ``AuditAction``, so a typo in
an action fails at once. ``audit_details`` turns an event's ``changes`` into readable sentences for
the *Revisionslog* and its CSV; the vocabularies it names (means, roles, states) are kept here as
small label tables, so the kernel imports no app.
"""

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, ngettext_lazy

from mitid_portal.clientip import client_address
from mitid_portal.identity import UserState
from mitid_portal.models import AuditAction, AuditEvent

__all__ = [
    "AuditAction",
    "audit_action_label",
    "audit_details",
    "audit_record",
    "audit_target_label",
    "client_ip",
]

# Ten digits (or 6-4 with a dash) not part of a longer number or a +45 phone number.
_CPR_LIKE = re.compile(r"(?<![\d+])(\d{6})-?\d{4}(?!\d)")


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _CPR_LIKE.sub(r"\1-****", value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (``mitid_portal.clientip``: behind the trusted proxies), or None."""
    return (client_address(request) or None) if request is not None else None


def audit_record(
    *,
    action: str,
    actor_name: str,
    organisation: models.Model | None = None,
    cvr: str = "",
    actor_user=None,
    target: str = "",
    changes: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record one act. ``action`` must be one of ``AuditAction`` (anything else is a
    ``ValueError``). Anything shaped like a CPR number in ``target`` or ``changes`` is masked to
    its birth-date part, so the log never holds a full CPR."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to AuditAction")
    return AuditEvent.objects.create(
        # The kernel cannot name organisations.Organisation (a higher layer): the parameter is Model.
        organisation=organisation,  # type: ignore[misc]
        cvr=cvr or (getattr(organisation, "cvr", "") if organisation else ""),
        actor_name=actor_name[:200],
        actor_user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
        action=action,
        target=_mask(target)[:300],
        changes=_mask(changes or {}),
        ip_address=client_ip(request),
    )


def audit_action_label(action: str) -> str:
    """The action's name in the current language; a code no longer known is shown as it is."""
    if action in AuditAction.values:
        return str(AuditAction(action).label)
    return action


# The target of an act on many users at once, as the services write it ("12 brugere").
_USERS_TARGET = re.compile(r"(\d+) brugere")


def audit_target_label(target: str) -> str:
    """Whom the event concerns, as written; a count of users in the current language ("1 user",
    "2,000 users" in English; "2.000 brugere" in Danish)."""
    match = _USERS_TARGET.fullmatch(target or "")
    if match is None:
        return target
    n = int(match.group(1))
    return ngettext("%(n)s bruger", "%(n)s brugere", n) % {
        "n": number_format(n, force_grouping=True)
    }


# --- Reading the changes back -----------------------------------------------------------------
# The vocabularies below mirror the apps' choices (activation's means kinds, organisations' roles,
# the billing methods of the setup, the NemID signature status); the kernel keeps its own copy of
# the labels so that it imports no app.

MEANS_LABELS = {
    "private": _lazy("Privat MitID"),
    "app": _lazy("MitID app"),
    "kodeviser": _lazy("MitID kodeviser"),
    "kodeoplaeser": _lazy("MitID kodeoplæser"),
    "chip": _lazy("MitID chip"),
}
ROLE_LABELS = {
    "org_admin": _lazy("Organisationsadministrator"),
    "user_admin": _lazy("Brugeradministrator"),
    "rights_admin": _lazy("Rettighedsadministrator"),
}
_BILLING_LABELS = {
    "email": _lazy("Faktura på e-mail"),
    "digital_post": _lazy("Faktura i Digital Post"),
    "ean": _lazy("Elektronisk faktura (EAN)"),
}
_NEMID_STATUS_LABELS = {"active": _lazy("Aktiv"), "revoked": _lazy("Spærret")}
_FIELD_LABELS = {
    "first_name": _lazy("Fornavn"),
    "last_name": _lazy("Efternavn"),
    "name": _lazy("Navn"),
    "phone": _lazy("Telefonnummer"),
    "email": _lazy("E-mail"),
    "cpr": _lazy("CPR-nummer"),
    "birth_date": _lazy("Fødselsdato"),
    "state": _lazy("Status"),
    "status": _lazy("Status"),
    "allow_private_mitid": _lazy("Privat MitID på arbejdet"),
    "allowed_means": _lazy("Tilladte identifikationsmidler"),
    "preferred_means": _lazy("Foretrukket identifikationsmiddel"),
    "allow_shared_means": _lazy("Delt identifikationsmiddel"),
    "billing_method": _lazy("Fakturering"),
    "billing_email": _lazy("Faktura-e-mail"),
    "ean": _lazy("EAN-nummer"),
    "contact_name": _lazy("Kontaktperson"),
    "contact_email": _lazy("Kontakt-e-mail"),
    "contact_phone": _lazy("Kontakttelefon"),
}
_VALUE_LABELS: dict[str, dict] = {
    "state": {s.value: s.label for s in UserState},
    "status": _NEMID_STATUS_LABELS,
    "allowed_means": MEANS_LABELS,
    "preferred_means": MEANS_LABELS,
    "billing_method": _BILLING_LABELS,
}
_REASON_LABELS = {
    "not_representative": _lazy(
        "Personen er ikke registreret som ledelsesrepræsentant i CVR-registret"
    ),
    "user_not_active": _lazy("Brugeren er ikke aktiv i MitID Erhverv"),
}
# Stored Danish words that are translated when shown.
_STORED_WORDS = {
    "CPR-nummer": _lazy("Oprettet med CPR-nummer"),
    "fødselsdato": _lazy("Oprettet med fødselsdato"),
}
# Keys whose value is a technical id (double-submit guards), not something a reader needs.
_SILENT = {"form", "batch"}
# Fields stored as ISO dates.
_DATES = {"birth_date"}
# Pairs in which the old value and the new one are stored.
_BEFORE_AFTER = (("before", "after"), ("før", "efter"), ("old", "new"))


def _text(value: Any, labels: dict | None = None) -> str:
    """One stored value in words: labels for known codes, Ja/Nej, lists joined, dashes for none."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, list | tuple):
        return ", ".join(_text(v, labels) for v in value)
    if isinstance(value, dict):
        return ", ".join(_text(v, labels) for v in value.values())
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def _date(value: str) -> str:
    try:
        return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def _before_after(value: Any) -> tuple[Any, Any] | None:
    if isinstance(value, dict):
        for old, new in _BEFORE_AFTER:
            if set(value) == {old, new}:
                return value[old], value[new]
    return None


def _change(key: str, before: Any, after: Any, action: str) -> str:
    labels = _VALUE_LABELS.get(key)
    field = str(_FIELD_LABELS.get(key, key.replace("_", " ").capitalize()))
    if key in _DATES:
        before, after = _date(before) if before else before, _date(after) if after else after
    old, new = _text(before, labels), _text(after, labels)
    if action == AuditAction.USER_EMAIL_CHANGE_REQUESTED:
        return _("E-mail ændres fra %(before)s til %(after)s, når brugeren har bekræftet den") % {
            "before": old,
            "after": new,
        }
    if old == "–":
        return _("%(field)s sat til %(after)s") % {"field": field, "after": new}
    if new == "–":
        return _("%(field)s fjernet (var %(before)s)") % {"field": field, "before": old}
    return _("%(field)s ændret fra %(before)s til %(after)s") % {
        "field": field,
        "before": old,
        "after": new,
    }


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value or [])


def _means(value: Any, changes: dict, action: str) -> str:
    if isinstance(value, list | tuple):
        return _("Identifikationsmidler: %(means)s") % {"means": _text(value, MEANS_LABELS)}
    return _("Identifikationsmiddel: %(means)s") % {"means": _text(value, MEANS_LABELS)}


def _reason(value: Any, changes: dict, action: str) -> str | None:
    if value in _REASON_LABELS:
        return str(_REASON_LABELS[value])
    return _("Begrundelse: »%(reason)s«") % {"reason": value} if value else None


def _rights(value: Any, changes: dict, action: str) -> str:
    if isinstance(value, int):
        return ngettext("%(n)d rettighed tildelt", "%(n)d rettigheder tildelt", value) % {
            "n": value
        }
    if not value:
        return _("Ingen rettigheder ud over basispakken")
    return _("Rettigheder: %(services)s") % {"services": _text(value)}


def _role(value: Any, changes: dict, action: str) -> str:
    role = _text(value, ROLE_LABELS)
    if action == AuditAction.ADMIN_APPOINTED:
        return _("Udpeget som %(role)s") % {"role": role}
    return _("Rolle: %(role)s") % {"role": role}


def _rolle(value: Any, changes: dict, action: str) -> str:
    # Stored as the Danish label of the role; translated through the same catalogue.
    role, user = _(str(value)), changes.get("bruger") or "–"
    if action == AuditAction.ROLE_REMOVED:
        return _("Rollen %(role)s fjernet fra %(user)s") % {"role": role, "user": user}
    return _("Rollen %(role)s givet til %(user)s") % {"role": role, "user": user}


def _user(value: Any, changes: dict, action: str) -> str | None:
    if "rolle" in changes:
        return None  # said by the role's sentence
    return _("Brugeren %(user)s") % {"user": value}


def _email(value: Any, changes: dict, action: str) -> str:
    if action == AuditAction.ADMIN_APPOINTED:
        return _("Link til opsætningen sendt til %(email)s") % {"email": value}
    return _("E-mail: %(email)s") % {"email": value}


def _services(value: Any, changes: dict, action: str) -> str | None:
    if not value:
        return None
    if changes.get("kilde") == "Basispakke":
        return _("Basispakkens tjenester: %(services)s") % {"services": _text(value)}
    return _("Tjenester: %(services)s") % {"services": _text(value)}


def _source(value: Any, changes: dict, action: str) -> str | None:
    if value == "Basispakke":
        return None  # said by the services' sentence
    return _("Kilde: %(source)s") % {"source": _(str(value))}


def _attempt(value: Any, changes: dict, action: str) -> str:
    if changes.get("metode"):
        return _("Forsøgte handlingen »%(act)s« (%(method)s)") % {
            "act": value,
            "method": changes["metode"],
        }
    return _("Forsøgte handlingen »%(act)s«") % {"act": value}


def _path(value: Any, changes: dict, action: str) -> str:
    if changes.get("method"):
        return _("Forsøgte at åbne %(path)s (%(method)s)") % {
            "path": value,
            "method": changes["method"],
        }
    return _("Forsøgte at åbne %(path)s") % {"path": value}


def _content_type(value: Any, changes: dict, action: str) -> str:
    if "size" in changes:
        return _("Fil af typen %(type)s på %(size)s") % {
            "type": value,
            "size": filesizeformat(changes["size"]),
        }
    return _("Fil af typen %(type)s") % {"type": value}


def _import_roles(value: Any, changes: dict, action: str) -> str | None:
    if not value:
        return None
    roles = ", ".join(
        _("%(role)s (RID %(rid)s)")
        % {"role": _text(item.get("role"), ROLE_LABELS), "rid": item.get("rid") or "–"}
        for item in value
        if isinstance(item, dict)
    )
    return _("Administratorroller fra NemID: %(roles)s") % {"roles": roles}


def _names(template: Any) -> Callable[[Any, dict, str], str | None]:
    def phrase(value: Any, changes: dict, action: str) -> str | None:
        return str(template) % {"names": _text(value)} if value else None

    return phrase


def _number(template: Any) -> Callable[[Any, dict, str], str]:
    """``template`` is an ``ngettext_lazy(singular, plural, "n")``."""

    def phrase(value: Any, changes: dict, action: str) -> str:
        return template % {"n": _count(value)}

    return phrase


def _flag(yes: Any, no: Any = None) -> Callable[[Any, dict, str], str | None]:
    def phrase(value: Any, changes: dict, action: str) -> str | None:
        if value:
            return str(yes)
        return str(no) if no else None

    return phrase


def _stored_label(template: Any) -> Callable[[Any, dict, str], str | None]:
    """A label stored in Danish (as a role's is), translated through the catalogue as it is read."""

    def phrase(value: Any, changes: dict, action: str) -> str | None:
        return str(template) % {"value": _(str(value))} if value else None

    return phrase


def _value(template: Any, *, date: bool = False) -> Callable[[Any, dict, str], str | None]:
    def phrase(value: Any, changes: dict, action: str) -> str | None:
        if value in (None, ""):
            return None
        return str(template) % {"value": _date(value) if date else value}

    return phrase


def _private_mitid(value: Any, changes: dict, action: str) -> str | None:
    if not value or "means" in changes:
        return None  # the means' sentence already says "Privat MitID"
    return _("Med brugerens private MitID")


def _stored_word(value: Any, changes: dict, action: str) -> str:
    return str(_STORED_WORDS.get(value, value))


def _valid_until(value: Any, changes: dict, action: str) -> str:
    if not value:
        return _("Gyldig uden slutdato")
    return _("Gyldig til og med %(date)s") % {"date": _date(value)}


def _revoked_by(value: Any, changes: dict, action: str) -> str:
    if value == "fuldmagtsgiver":
        return _("Tilbagekaldt af fuldmagtsgiveren")
    return _("Tilbagekaldt af modtageren")


def _roles_removed(value: Any, changes: dict, action: str) -> str | None:
    if not value:
        return None
    return _("Roller fjernet: %(roles)s") % {"roles": _text(value, ROLE_LABELS)}


def _answer(value: Any, changes: dict, action: str) -> str | None:
    return _("Svar: »%(answer)s«") % {"answer": value} if value else None


def _consumed(value: Any, changes: dict, action: str) -> None:
    return None


# One phrase per key of ``changes`` (the keys the callers of audit_record write). A phrase may
# read the other keys of the same event; a key said by another key's phrase returns None.
_PHRASES: dict[str, Callable[[Any, dict, str], str | None]] = {
    # activation
    "count": _number(ngettext_lazy("%(n)d bruger", "%(n)d brugere", "n")),
    "means": _means,
    "identifikationsmidler": _means,
    "with_code": _number(
        ngettext_lazy(
            "%(n)d med midlertidig aktiveringskode", "%(n)d med midlertidig aktiveringskode", "n"
        )
    ),
    "without_email": _number(ngettext_lazy("%(n)d uden e-mail", "%(n)d uden e-mail", "n")),
    "expires_at": _value(_lazy("Linket udløber %(value)s"), date=True),
    "serial": _value(_lazy("Serienummer %(value)s")),
    "separate_mitid": _flag(_lazy("Med et særskilt MitID til erhvervsbrug")),
    "private_mitid": _private_mitid,
    "invitation": _value(_lazy("Invitation nr. %(value)s")),
    "massehandling": _stored_label(_lazy("Handling: %(value)s")),
    "job": _value(_lazy("Massehandling nr. %(value)s")),
    # connection and setup
    "reason": _reason,
    "version": _value(_lazy("Vilkår i version %(value)s")),
    "terms_version": _value(_lazy("Vilkår i version %(value)s")),
    "content_type": _content_type,
    "size": _consumed,
    "manual": _flag(
        _lazy("Efter manuel behandling af dokumentation"),
        _lazy("Som ledelsesrepræsentant i CVR-registret"),
    ),
    "role": _role,
    "email": _email,
    # NemID
    "path": _path,
    "method": _consumed,
    "run": _value(_lazy("Importkørsel nr. %(value)s")),
    "signatures": _number(
        ngettext_lazy("%(n)d medarbejdersignatur", "%(n)d medarbejdersignaturer", "n")
    ),
    "imported": _number(ngettext_lazy("%(n)d importeret", "%(n)d importeret", "n")),
    "skipped": _number(ngettext_lazy("%(n)d sprunget over", "%(n)d sprunget over", "n")),
    "flagged": _number(
        ngettext_lazy("%(n)d markeret til kontrol", "%(n)d markeret til kontrol", "n")
    ),
    "roles": _import_roles,
    # users
    "identitet": _stored_word,
    "anonym": _flag(_lazy("Anonym: navnet vises ikke for offentlige tjenester")),
    "rettigheder": _rights,
    "with_birth_date_only": _number(
        ngettext_lazy(
            "%(n)d kun med fødselsdato (uden CPR-nummer)",
            "%(n)d kun med fødselsdato (uden CPR-nummer)",
            "n",
        )
    ),
    "sessions_ended": _number(
        ngettext_lazy("%(n)d session afsluttet", "%(n)d sessioner afsluttet", "n")
    ),
    "means_removed": _number(
        ngettext_lazy(
            "%(n)d identifikationsmiddel fjernet", "%(n)d identifikationsmidler fjernet", "n"
        )
    ),
    "roles_removed": _roles_removed,
    # roles, rights, groups
    "handling": _attempt,
    "metode": _consumed,
    "rolle": _rolle,
    "bruger": _user,
    "tjenester": _services,
    "tjeneste": _value(_lazy("Tjenesten %(value)s")),
    "kilde": _source,
    "fra_rid": _value(_lazy("Importeret fra NemID (RID %(value)s)")),
    "gruppe": _value(_lazy("Brugergruppen %(value)s")),
    "medlemmer": _number(
        ngettext_lazy("Gruppen havde %(n)d medlem", "Gruppen havde %(n)d medlemmer", "n")
    ),
    "svar": _answer,
    # powers of attorney
    "fuldmagtsgiver": _value(_lazy("Fuldmagtsgiver: CVR %(value)s")),
    "modtager": _value(_lazy("Modtager: CVR %(value)s")),
    "gyldig_til": _valid_until,
    "side": _revoked_by,
    "tilføjet": _names(_lazy("Tilføjet som brugere af fuldmagten: %(names)s")),
    "fjernet": _names(_lazy("Fjernet som brugere af fuldmagten: %(names)s")),
    # public services (login broker) and the local IdM (SCIM API)
    "sikringsniveau": _value(_lazy("Sikringsniveau (NSIS): %(value)s")),
    "klient_id": _value(_lazy("Klient-id %(value)s")),
    "klient": _value(_lazy("Klienten %(value)s")),
    "kald": _value(_lazy("Kald: %(value)s")),
    "svarkode": _value(_lazy("Svar: HTTP %(value)s")),
}


def audit_details(event: AuditEvent) -> list[str]:
    """The event's ``changes`` as sentences in the current language, one per fact: before/after
    pairs as "E-mail ændret fra … til …", means, roles and states by their names."""
    changes = event.changes
    if not isinstance(changes, dict):
        return [] if changes in (None, "") else [str(changes)]
    sentences = []
    for key, value in changes.items():
        if key in _SILENT:
            continue
        pair = _before_after(value)
        if pair is not None:
            sentence: str | None = _change(key, *pair, event.action)
        elif key in _PHRASES:
            sentence = _PHRASES[key](value, changes, event.action)
        else:  # a key no phrase knows yet: its name and value, still without Python syntax
            label = _FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
            sentence = f"{label}: {_text(value)}"
        if sentence:
            sentences.append(sentence)
    return sentences


def audit_details_text(event: AuditEvent) -> str:
    """The sentences of ``audit_details`` on one line (the CSV's column)."""
    return ". ".join(audit_details(event))
