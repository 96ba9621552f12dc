"""Every audited action, with the label the audit page shows. ``record`` accepts only these,
so a typo cannot create an action nobody will ever search for."""

from __future__ import annotations

import enum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Action(enum.StrEnum):
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGOUT = "auth.logout"
    PASSWORD_CHANGED = "auth.password_changed"
    PREFERENCES_CHANGED = "accounts.preferences_changed"
    ACTING_AS_CHANGED = "accounts.acting_as_changed"
    TOKEN_CREATED = "accounts.token_created"
    TOKEN_REVOKED = "accounts.token_revoked"
    ACCESS_DENIED = "access.denied"
    ORGANISATION_CREATED = "orgs.organisation_created"
    MEMBERSHIP_CREATED = "orgs.membership_created"
    MEMBERSHIP_ENDED = "orgs.membership_ended"
    AREAS_IMPORTED = "geo.areas_imported"
    REFERENCE_LOADED = "reference.loaded"
    AUDIT_SEARCHED = "audit.searched"
    PERSON_REGISTERED = "registry.person_registered"
    INTAKE_LINKED = "registry.intake_linked"
    INTAKE_RECEIVED = "registry.intake_received"
    INTAKE_REJECTED = "registry.intake_rejected"
    INTAKE_VIEWED = "registry.intake_viewed"
    PERSON_VIEWED = "registry.person_viewed"
    PERSON_UPDATED = "registry.person_updated"
    PERSONS_SEARCHED = "registry.persons_searched"
    RETURN_ARRIVED = "registry.return_arrived"
    CONSENT_GIVEN = "registry.consent_given"
    CONSENT_WITHDRAWN = "registry.consent_withdrawn"
    REGISTRY_SEEDED = "registry.seeded"
    PERSON_EXPORTED = "registry.person_exported"
    ERASURE_REQUESTED = "registry.erasure_requested"
    ERASURE_REFUSED = "registry.erasure_refused"
    PERSON_ERASED = "registry.person_erased"
    PERSON_MERGED = "registry.person_merged"
    PERSON_UNMERGED = "registry.person_unmerged"
    IMPORT_SOURCE_SAVED = "registry.import_source_saved"
    IMPORT_UPLOADED = "registry.import_uploaded"
    IMPORT_CHECKED = "registry.import_checked"
    IMPORT_STARTED = "registry.import_started"
    IMPORT_COMMITTED = "registry.import_committed"
    IMPORT_FAILED = "registry.import_failed"
    IMPORT_ABANDONED = "registry.import_abandoned"
    IMPORT_ERRORS_DOWNLOADED = "registry.import_errors_downloaded"
    LINKAGE_RUN_REQUESTED = "linkage.run_requested"
    LINKAGE_RUN_FINISHED = "linkage.run_finished"
    LINKAGE_RUN_FAILED = "linkage.run_failed"
    LINKAGE_MODEL_TRAINED = "linkage.model_trained"
    PAIR_VIEWED = "linkage.pair_viewed"
    PAIR_DECIDED = "linkage.pair_decided"
    INSTRUMENT_LOADED = "assessments.instrument_loaded"
    ASSESSMENT_RECORDED = "assessments.recorded"
    ASSESSMENT_VIEWED = "assessments.viewed"
    CASE_OPENED = "cases.opened"
    CASE_VIEWED = "cases.viewed"
    CASE_STATUS_CHANGED = "cases.status_changed"
    CASE_ASSIGNED = "cases.assigned"
    CASE_TRANSFERRED = "cases.transferred"
    CASE_FORWARDED = "cases.forwarded"
    FOLLOW_UP_RECORDED = "cases.follow_up_recorded"
    CASE_NOTE_ADDED = "cases.note_added"
    PLAN_CHANGED = "cases.plan_changed"
    PLAN_APPROVED = "cases.plan_approved"
    ASSISTANCE_RECORDED = "cases.assistance_recorded"
    SERVICE_PROPOSED = "referrals.service_proposed"
    SERVICE_DECIDED = "referrals.service_decided"
    SERVICE_WITHDRAWN = "referrals.service_withdrawn"
    REFERRAL_SENT = "referrals.sent"
    REFERRAL_CONSENT_OVERRIDDEN = "referrals.consent_overridden"
    REFERRAL_VIEWED = "referrals.viewed"
    REFERRAL_STEP = "referrals.step"
    REFERRAL_FEEDBACK = "referrals.feedback"


LABELS: dict[Action, str | Promise] = {
    Action.LOGIN: _("Signed in"),
    Action.LOGIN_FAILED: _("Sign-in failed"),
    Action.LOGOUT: _("Signed out"),
    Action.PASSWORD_CHANGED: _("Changed password"),
    Action.PREFERENCES_CHANGED: _("Changed language or time zone"),
    Action.ACTING_AS_CHANGED: _("Switched role or organisation"),
    Action.TOKEN_CREATED: _("Created an API token"),
    Action.TOKEN_REVOKED: _("Revoked an API token"),
    Action.ACCESS_DENIED: _("Tried to reach a record outside their scope"),
    Action.ORGANISATION_CREATED: _("Created an organisation"),
    Action.MEMBERSHIP_CREATED: _("Gave a user a role"),
    Action.MEMBERSHIP_ENDED: _("Ended a user's role"),
    Action.AREAS_IMPORTED: _("Imported administrative areas"),
    Action.REFERENCE_LOADED: _("Loaded reference data"),
    Action.AUDIT_SEARCHED: _("Searched the audit log"),
    Action.PERSON_REGISTERED: _("Registered a person"),
    Action.INTAKE_LINKED: _("Linked a report to a registered person"),
    Action.INTAKE_RECEIVED: _("Received a report to check"),
    Action.INTAKE_REJECTED: _("Rejected a report"),
    Action.INTAKE_VIEWED: _("Viewed a report as received"),
    Action.PERSON_VIEWED: _("Viewed a person's record"),
    Action.PERSON_UPDATED: _("Changed a person's record"),
    Action.PERSONS_SEARCHED: _("Searched for people"),
    Action.RETURN_ARRIVED: _("Recorded an arrival home"),
    Action.CONSENT_GIVEN: _("Recorded consent"),
    Action.CONSENT_WITHDRAWN: _("Recorded withdrawal of consent"),
    Action.REGISTRY_SEEDED: _("Filled the registry with synthetic people"),
    Action.PERSON_EXPORTED: _("Exported everything held on a person"),
    Action.ERASURE_REQUESTED: _("Asked for a person's data to be erased"),
    Action.ERASURE_REFUSED: _("Refused to erase a person's data"),
    Action.PERSON_ERASED: _("Erased a person's data"),
    Action.PERSON_MERGED: _("Merged two records of the same person"),
    Action.PERSON_UNMERGED: _("Undid a merge of two records"),
    Action.IMPORT_SOURCE_SAVED: _("Saved how an import file's columns are read"),
    Action.IMPORT_UPLOADED: _("Uploaded a file to import"),
    Action.IMPORT_CHECKED: _("Checked a file to import"),
    Action.IMPORT_STARTED: _("Started the import of a checked file"),
    Action.IMPORT_COMMITTED: _("Imported a file into the registry"),
    Action.IMPORT_FAILED: _("An import failed"),
    Action.IMPORT_ABANDONED: _("Abandoned a file to import"),
    Action.IMPORT_ERRORS_DOWNLOADED: _("Downloaded the problems found in an import file"),
    Action.LINKAGE_RUN_REQUESTED: _("Asked for a duplicate search across the registry"),
    Action.LINKAGE_RUN_FINISHED: _("A duplicate search across the registry finished"),
    Action.LINKAGE_RUN_FAILED: _("A duplicate search across the registry failed"),
    Action.LINKAGE_MODEL_TRAINED: _("Trained a new model for finding duplicates"),
    Action.PAIR_VIEWED: _("Looked at two records that may be the same person"),
    Action.PAIR_DECIDED: _("Decided whether two records are the same person"),
    Action.INSTRUMENT_LOADED: _("Loaded a version of an assessment questionnaire"),
    Action.ASSESSMENT_RECORDED: _("Recorded a needs assessment"),
    Action.ASSESSMENT_VIEWED: _("Viewed a needs assessment"),
    Action.CASE_OPENED: _("Opened a case"),
    Action.CASE_VIEWED: _("Looked at a restricted case"),
    Action.CASE_STATUS_CHANGED: _("Moved a case to another stage"),
    Action.CASE_ASSIGNED: _("Gave a case to a case worker"),
    Action.CASE_TRANSFERRED: _("Transferred a case to another office"),
    Action.CASE_FORWARDED: _("A case opened abroad was forwarded home on arrival"),
    Action.FOLLOW_UP_RECORDED: _("Recorded a contact with a returnee"),
    Action.CASE_NOTE_ADDED: _("Added a note to a case"),
    Action.PLAN_CHANGED: _("Changed a reintegration plan"),
    Action.PLAN_APPROVED: _("Approved a reintegration plan"),
    Action.ASSISTANCE_RECORDED: _("Recorded assistance given by the office"),
    Action.SERVICE_PROPOSED: _("Proposed a service entry for the directory"),
    Action.SERVICE_DECIDED: _("Approved or rejected a service entry"),
    Action.SERVICE_WITHDRAWN: _("Withdrew a service from the directory"),
    Action.REFERRAL_SENT: _("Referred a returnee to a service"),
    Action.REFERRAL_CONSENT_OVERRIDDEN: _("Sent a referral without the returnee's consent"),
    Action.REFERRAL_VIEWED: _("Looked at a referral"),
    Action.REFERRAL_STEP: _("Moved a referral on"),
    Action.REFERRAL_FEEDBACK: _("Recorded a returnee's feedback on a service"),
}
