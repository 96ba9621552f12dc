"""The service taxonomy of the directory (guideline ¶23, ¶32-33, ¶47, ¶56) and how the
assessments' recommended service categories map onto it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.assessments.codes import ServiceCategory


class NeedGroup(models.TextChoices):
    """What the returnee needs, as the public directory lets them filter."""

    ECONOMIC = "economic", _("Work, skills and business")
    PSYCHOSOCIAL = "psychosocial", _("Counselling and family")
    HEALTH = "health", _("Health")
    LEGAL = "legal", _("Legal help and documents")
    SOCIAL_PROTECTION = "social_protection", _("Insurance and social security")
    EDUCATION = "education", _("Children's schooling")
    EMERGENCY = "emergency", _("Emergency help")


class ServiceType(models.TextChoices):
    # Economic
    JOB_PLACEMENT = "job_placement", _("Job placement")
    SKILLS_TRAINING = "skills_training", _("Skills training")
    SKILLS_RECOGNITION = "skills_recognition", _("Recognition of skills (RPL)")
    ENTREPRENEURSHIP_TRAINING = "entrepreneurship", _("Entrepreneurship training")
    BUSINESS_GRANT = "business_grant", _("Business grant or starter kit")
    MICRO_CREDIT = "micro_credit", _("Micro-credit")
    FINANCIAL_LITERACY = "financial_literacy", _("Financial literacy")
    COOPERATIVE_SUPPORT = "cooperative", _("Cooperative support")
    # Social and psychosocial
    COUNSELLING = "counselling", _("Counselling")
    TRAUMA_CARE = "trauma_care", _("Trauma care")
    PEER_SUPPORT = "peer_support", _("Peer support group")
    FAMILY_MEDIATION = "family_mediation", _("Family mediation")
    # Health
    MEDICAL_CARE = "medical_care", _("Medical care")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    MENTAL_HEALTH = "mental_health", _("Mental health care")
    # Legal
    LEGAL_AID = "legal_aid", _("Legal aid")
    WAGE_CLAIMS = "wage_claims", _("Unpaid wage and compensation claims")
    DOCUMENTS = "documents", _("Identity and civil documents")
    # Social protection
    INSURANCE_ENROLMENT = "insurance", _("Health insurance and social security enrolment")
    # Education
    SCHOOLING = "schooling", _("Children's schooling")
    # Emergency
    SHELTER = "shelter", _("Shelter")
    TRANSPORT = "transport", _("Transport home")
    FOOD = "food", _("Food")


GROUP_OF: dict[str, NeedGroup] = {
    ServiceType.JOB_PLACEMENT: NeedGroup.ECONOMIC,
    ServiceType.SKILLS_TRAINING: NeedGroup.ECONOMIC,
    ServiceType.SKILLS_RECOGNITION: NeedGroup.ECONOMIC,
    ServiceType.ENTREPRENEURSHIP_TRAINING: NeedGroup.ECONOMIC,
    ServiceType.BUSINESS_GRANT: NeedGroup.ECONOMIC,
    ServiceType.MICRO_CREDIT: NeedGroup.ECONOMIC,
    ServiceType.FINANCIAL_LITERACY: NeedGroup.ECONOMIC,
    ServiceType.COOPERATIVE_SUPPORT: NeedGroup.ECONOMIC,
    ServiceType.COUNSELLING: NeedGroup.PSYCHOSOCIAL,
    ServiceType.TRAUMA_CARE: NeedGroup.PSYCHOSOCIAL,
    ServiceType.PEER_SUPPORT: NeedGroup.PSYCHOSOCIAL,
    ServiceType.FAMILY_MEDIATION: NeedGroup.PSYCHOSOCIAL,
    ServiceType.MEDICAL_CARE: NeedGroup.HEALTH,
    ServiceType.REHABILITATION: NeedGroup.HEALTH,
    ServiceType.MENTAL_HEALTH: NeedGroup.HEALTH,
    ServiceType.LEGAL_AID: NeedGroup.LEGAL,
    ServiceType.WAGE_CLAIMS: NeedGroup.LEGAL,
    ServiceType.DOCUMENTS: NeedGroup.LEGAL,
    ServiceType.INSURANCE_ENROLMENT: NeedGroup.SOCIAL_PROTECTION,
    ServiceType.SCHOOLING: NeedGroup.EDUCATION,
    ServiceType.SHELTER: NeedGroup.EMERGENCY,
    ServiceType.TRANSPORT: NeedGroup.EMERGENCY,
    ServiceType.FOOD: NeedGroup.EMERGENCY,
}

# The directory's service types that answer each category an assessment recommends
# (assessments.codes.ServiceCategory). Information-only categories need no provider.
TYPES_FOR_CATEGORY: dict[str, tuple[ServiceType, ...]] = {
    ServiceCategory.IMMEDIATE_ASSISTANCE: (
        ServiceType.SHELTER,
        ServiceType.TRANSPORT,
        ServiceType.FOOD,
    ),
    ServiceCategory.EMERGENCY_MEDICAL: (ServiceType.MEDICAL_CARE,),
    ServiceCategory.MEDICAL_CARE: (ServiceType.MEDICAL_CARE, ServiceType.REHABILITATION),
    ServiceCategory.MENTAL_HEALTH_CARE: (ServiceType.MENTAL_HEALTH,),
    ServiceCategory.PSYCHOSOCIAL_COUNSELLING: (ServiceType.COUNSELLING, ServiceType.TRAUMA_CARE),
    ServiceCategory.MATERNAL_HEALTH: (ServiceType.MEDICAL_CARE,),
    ServiceCategory.DISABILITY_SUPPORT: (ServiceType.REHABILITATION,),
    ServiceCategory.SAFE_SHELTER: (ServiceType.SHELTER,),
    ServiceCategory.PROTECTION: (
        ServiceType.TRAUMA_CARE,
        ServiceType.LEGAL_AID,
        ServiceType.SHELTER,
    ),
    ServiceCategory.CHILD_PROTECTION: (ServiceType.COUNSELLING, ServiceType.FAMILY_MEDIATION),
    ServiceCategory.LEGAL_AID: (ServiceType.LEGAL_AID, ServiceType.WAGE_CLAIMS),
    ServiceCategory.CIVIL_DOCUMENTS: (ServiceType.DOCUMENTS,),
    ServiceCategory.SOCIAL_PROTECTION: (ServiceType.INSURANCE_ENROLMENT,),
    ServiceCategory.FAMILY_SUPPORT: (ServiceType.FAMILY_MEDIATION,),
    ServiceCategory.SCHOOLING_SUPPORT: (ServiceType.SCHOOLING,),
    ServiceCategory.PEER_SUPPORT: (ServiceType.PEER_SUPPORT,),
    ServiceCategory.DEBT_COUNSELLING: (ServiceType.FINANCIAL_LITERACY,),
    ServiceCategory.SKILLS_TRAINING: (ServiceType.SKILLS_TRAINING,),
    ServiceCategory.SKILLS_RECOGNITION: (ServiceType.SKILLS_RECOGNITION,),
    ServiceCategory.JOB_PLACEMENT: (ServiceType.JOB_PLACEMENT,),
    ServiceCategory.ENTREPRENEURSHIP: (
        ServiceType.ENTREPRENEURSHIP_TRAINING,
        ServiceType.BUSINESS_GRANT,
        ServiceType.COOPERATIVE_SUPPORT,
    ),
    ServiceCategory.LIVELIHOOD_FINANCE: (ServiceType.MICRO_CREDIT, ServiceType.BUSINESS_GRANT),
    ServiceCategory.SAFE_MIGRATION: (),
    ServiceCategory.INFORMATION: (),
}


class ProviderKind(models.TextChoices):
    """What kind of organisation offers a service (the directory's filter)."""

    GOVERNMENT = "government", _("Government office")
    NGO = "ngo", _("NGO or civil society organisation")
    COMMUNITY = "community", _("Community organisation")
    TRAINING_CENTRE = "training_centre", _("Training centre")
    CLINIC = "clinic", _("Clinic or hospital")
    MICRO_FINANCE = "micro_finance", _("Micro-finance institution or cooperative")
    LEGAL_AID = "legal_aid", _("Legal aid organisation")
    SOCIAL_PARTNER = "social_partner", _("Employers' or workers' organisation")
    PRIVATE = "private", _("Private company")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    SUBSIDISED = "subsidised", _("Partly paid")
    PAID = "paid", _("Paid")


class ReturnMode(models.TextChoices):
    """Eligibility by how the worker came home (the registry's return modes)."""

    VOLUNTARY = "voluntary", _("Voluntary")
    FORCED = "forced", _("Forced or deported")
    ASSISTED = "assisted", _("Assisted")
    SPONTANEOUS = "spontaneous", _("Spontaneous")


class Status(models.TextChoices):
    """A referral's life cycle."""

    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")


class Step(models.TextChoices):
    """What moves a referral on; each is a service."""

    ACCEPT = "accept", _("Accept")
    DECLINE = "decline", _("Decline")
    START = "start", _("Start the service")
    COMPLETE = "complete", _("Record completion")
    CLOSE = "close", _("Close")


# Which step leads from which states to which. Closing (no-show, withdrawn) is possible
# while the referral is still open; declined, completed and closed are final.
STEPS: dict[Step, tuple[frozenset[Status], Status]] = {
    Step.ACCEPT: (frozenset({Status.SENT}), Status.ACCEPTED),
    Step.DECLINE: (frozenset({Status.SENT}), Status.DECLINED),
    Step.START: (frozenset({Status.ACCEPTED}), Status.IN_SERVICE),
    Step.COMPLETE: (frozenset({Status.ACCEPTED, Status.IN_SERVICE}), Status.COMPLETED),
    Step.CLOSE: (frozenset({Status.SENT, Status.ACCEPTED, Status.IN_SERVICE}), Status.CLOSED),
}
OPEN_STATUSES = frozenset({Status.SENT, Status.ACCEPTED, Status.IN_SERVICE})
FINAL_STATUSES = frozenset({Status.DECLINED, Status.COMPLETED, Status.CLOSED})


class ClosureReason(models.TextChoices):
    NO_SHOW = "no_show", _("The returnee did not come")
    WITHDRAWN = "withdrawn", _("Withdrawn by the returnee or the case worker")


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("The need was met")
    PARTLY = "partly", _("Partly met")
    NOT_ACHIEVED = "not_achieved", _("Not met")


class FeedbackVia(models.TextChoices):
    CASE_WORKER = "case_worker", _("Told to the case worker")
    RETURNEE = "returnee", _("Given by the returnee with their code")


class EntryStatus(models.TextChoices):
    """A service entry in the directory."""

    PENDING = "pending", _("Waiting for approval")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
