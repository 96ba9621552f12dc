"""Self-registration: a returnee registers on their own phone, with no account.

The form saves a draft under a reference code the returnee keeps; submitting sends it to
the office of their home area, which checks it (duplicates, details) and registers or
links it through :func:`intake_decide`. Nothing registered is ever shown back on the
public page: the code only reveals the report's own status.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, NotFound
from pulang.registry.codes import Channel
from pulang.registry.inputs import validate_registration
from pulang.registry.models import IntakeRecord
from pulang.registry.services.registration import registration_input_from_payload

# No 0/O, 1/I/L: the code is read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_reference_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def self_registration_save(*, payload: dict[str, Any], reference_code: str = "") -> IntakeRecord:
    """Save (or update) a draft; returns it with its reference code."""
    if reference_code:
        intake = IntakeRecord.objects.filter(
            reference_code=reference_code.strip().upper(), channel=Channel.SELF
        ).first()
        if intake is None:
            raise NotFound()
        if intake.status != IntakeRecord.Status.DRAFT:
            raise InvalidInput(
                errors=[
                    {"field": "reference_code", "reason": _("this registration was already sent")}
                ]
            )
        intake.payload = payload
        intake.save(update_fields=["payload"])
        return intake
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return IntakeRecord.objects.create(
                    channel=Channel.SELF,
                    payload=payload,
                    received_at=timezone.now(),
                    reference_code=new_reference_code(),
                    status=IntakeRecord.Status.DRAFT,
                )
        except IntegrityError:  # the code was taken: draw another
            continue
    raise RuntimeError("could not draw a free reference code")


def self_registration_submit(*, reference_code: str) -> IntakeRecord:
    """Check the draft as any registration is checked and send it to the home office."""
    intake = IntakeRecord.objects.filter(
        reference_code=reference_code.strip().upper(), channel=Channel.SELF
    ).first()
    if intake is None:
        raise NotFound()
    if intake.status != IntakeRecord.Status.DRAFT:
        return intake
    data = registration_input_from_payload(intake.payload)
    resolved = validate_registration(data)
    area = resolved.home_area or resolved.return_area
    if area is None:
        raise InvalidInput(
            errors=[{"field": "home_area", "reason": _("choose where you live now")}]
        )
    with transaction.atomic():
        intake.status, intake.area, intake.received_at = (
            IntakeRecord.Status.SUBMITTED,
            area,
            timezone.now(),
        )
        intake.save(update_fields=["status", "area", "received_at"])
        record(None, Action.INTAKE_RECEIVED, intake, details={"channel": Channel.SELF})
    return intake
