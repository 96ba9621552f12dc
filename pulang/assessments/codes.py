"""Code lists of assessments: the dimensions of need (¶47), need levels, priorities, the
service categories a result recommends and the kind of agency responsible for each.

Instrument files use these codes; their labels are translated here, once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    HEALTH = "health", _("Health")
    VULNERABILITY = "vulnerability", _("Vulnerability")


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Order of severity: the level or priority a result takes is the highest any rule gives.
LEVEL_RANK: dict[str, int] = {level.value: rank for rank, level in enumerate(NeedLevel)}
PRIORITY_RANK: dict[str, int] = {p.value: rank for rank, p in enumerate(Priority)}


class InstrumentKind(models.TextChoices):
    SCREEN = "screen", _("Rapid vulnerability screen")
    ASSESSMENT = "assessment", _("Needs assessment")


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    SINGLE_CHOICE = "single_choice", _("One choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    TEXT = "text", _("Text")


class Phase(models.IntegerChoices):
    """When a service comes: rehabilitation and safety before anything else (¶47)."""

    REHABILITATION = 1, _("Immediate needs, rehabilitation and safety first")
    SOCIAL = 2, _("Social support and protection")
    ECONOMIC = 3, _("Livelihood and work")
    INFORMATION = 4, _("Information")


class ServiceCategory(models.TextChoices):
    IMMEDIATE_ASSISTANCE = (
        "immediate_assistance",
        _("Immediate assistance on arrival (food, transport, money, contacting family)"),
    )
    EMERGENCY_MEDICAL = "emergency_medical", _("Emergency medical care")
    MEDICAL_CARE = "medical_care", _("Medical treatment and rehabilitation")
    MENTAL_HEALTH_CARE = "mental_health_care", _("Specialist mental-health care")
    PSYCHOSOCIAL_COUNSELLING = "psychosocial_counselling", _("Counselling and psychosocial support")
    MATERNAL_HEALTH = "maternal_health", _("Maternal and reproductive health care")
    DISABILITY_SUPPORT = "disability_support", _("Disability support and assistive devices")
    SAFE_SHELTER = "safe_shelter", _("Safe shelter")
    PROTECTION = "protection", _("Protection for survivors of trafficking and violence")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    LEGAL_AID = "legal_aid", _("Legal aid, unpaid wages and compensation claims")
    CIVIL_DOCUMENTS = "civil_documents", _("Identity and civil documents")
    SOCIAL_PROTECTION = "social_protection", _("Social protection and health insurance enrolment")
    FAMILY_SUPPORT = "family_support", _("Family counselling and mediation")
    SCHOOLING_SUPPORT = "schooling_support", _("Support for children's schooling")
    PEER_SUPPORT = "peer_support", _("Returnee peer-support group")
    DEBT_COUNSELLING = "debt_counselling", _("Debt counselling and financial literacy")
    SKILLS_TRAINING = "skills_training", _("Skills training")
    SKILLS_RECOGNITION = "skills_recognition", _("Recognition of skills gained abroad")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship training and business support")
    LIVELIHOOD_FINANCE = "livelihood_finance", _("Micro-finance and livelihood grants")
    SAFE_MIGRATION = "safe_migration", _("Information on safe migration")
    INFORMATION = "information", _("Information on services available")


SERVICE_PHASE: dict[str, Phase] = {
    ServiceCategory.IMMEDIATE_ASSISTANCE: Phase.REHABILITATION,
    ServiceCategory.EMERGENCY_MEDICAL: Phase.REHABILITATION,
    ServiceCategory.MEDICAL_CARE: Phase.REHABILITATION,
    ServiceCategory.MENTAL_HEALTH_CARE: Phase.REHABILITATION,
    ServiceCategory.PSYCHOSOCIAL_COUNSELLING: Phase.REHABILITATION,
    ServiceCategory.MATERNAL_HEALTH: Phase.REHABILITATION,
    ServiceCategory.DISABILITY_SUPPORT: Phase.REHABILITATION,
    ServiceCategory.SAFE_SHELTER: Phase.REHABILITATION,
    ServiceCategory.PROTECTION: Phase.REHABILITATION,
    ServiceCategory.CHILD_PROTECTION: Phase.REHABILITATION,
    ServiceCategory.LEGAL_AID: Phase.SOCIAL,
    ServiceCategory.CIVIL_DOCUMENTS: Phase.SOCIAL,
    ServiceCategory.SOCIAL_PROTECTION: Phase.SOCIAL,
    ServiceCategory.FAMILY_SUPPORT: Phase.SOCIAL,
    ServiceCategory.SCHOOLING_SUPPORT: Phase.SOCIAL,
    ServiceCategory.PEER_SUPPORT: Phase.SOCIAL,
    ServiceCategory.DEBT_COUNSELLING: Phase.ECONOMIC,
    ServiceCategory.SKILLS_TRAINING: Phase.ECONOMIC,
    ServiceCategory.SKILLS_RECOGNITION: Phase.ECONOMIC,
    ServiceCategory.JOB_PLACEMENT: Phase.ECONOMIC,
    ServiceCategory.ENTREPRENEURSHIP: Phase.ECONOMIC,
    ServiceCategory.LIVELIHOOD_FINANCE: Phase.ECONOMIC,
    ServiceCategory.SAFE_MIGRATION: Phase.INFORMATION,
    ServiceCategory.INFORMATION: Phase.INFORMATION,
}


class AgencyType(models.TextChoices):
    """Who is responsible (¶47, R-NEED-3): health and social welfare (or NGOs) for
    injury, disability and trauma; the labour ministry for livelihood and work."""

    HEALTH = "health", _("Health authority or clinic")
    SOCIAL_WELFARE = "social_welfare", _("Social welfare authority")
    NGO = "ngo", _("NGO or community organisation")
    LABOUR = "labour", _("Labour ministry or public employment service")
    MIGRANT_PROTECTION = "migrant_protection", _("Migrant worker protection agency")
    LAW_ENFORCEMENT = "law_enforcement", _("Police or anti-trafficking task force")
    LEGAL_AID = "legal_aid", _("Legal aid provider")
    CIVIL_REGISTRY = "civil_registry", _("Civil registry office")
    EDUCATION = "education", _("Education office or school")
    FINANCE = "finance", _("Micro-finance institution or cooperative")


class Setting(models.TextChoices):
    ABROAD = "abroad", _("Abroad, at a consular post")
    HOME = "home", _("At home")


# Facts about the person an instrument may use in conditions, beside the answers.
class Fact(models.TextChoices):
    SEX = "sex", _("Sex")
    AGE = "age", _("Age in years")


FACT_VALUES: dict[str, tuple[str, ...]] = {Fact.SEX: ("F", "M", "X")}
