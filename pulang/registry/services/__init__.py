"""Writes to the registry (see registration.py, persons.py, merge.py and merge_automatic.py)."""

from pulang.registry.services.data_requests import (
    erasure_decide,
    erasure_request,
    person_export,
)
from pulang.registry.services.merge import person_merge, person_unmerge
from pulang.registry.services.merge_automatic import AutomaticMerges, persons_merge_automatic
from pulang.registry.services.persons import (
    EDITABLE_FIELDS,
    consent_give,
    consent_withdraw,
    person_update,
    return_record_arrival,
)
from pulang.registry.services.registration import (
    OnMatch,
    RegistrationOutcome,
    duplicate_candidates,
    intake_decide,
    intake_reject,
    payload_of,
    registration_input_from_payload,
    registration_submit,
)
from pulang.registry.services.self_registration import (
    self_registration_save,
    self_registration_submit,
)

__all__ = [
    "EDITABLE_FIELDS",
    "AutomaticMerges",
    "OnMatch",
    "RegistrationOutcome",
    "consent_give",
    "consent_withdraw",
    "duplicate_candidates",
    "erasure_decide",
    "erasure_request",
    "intake_decide",
    "intake_reject",
    "payload_of",
    "person_export",
    "person_merge",
    "person_unmerge",
    "person_update",
    "persons_merge_automatic",
    "registration_input_from_payload",
    "registration_submit",
    "return_record_arrival",
    "self_registration_save",
    "self_registration_submit",
]
