"""Code lists of the registry. One list of return reasons maps both the ASEAN guideline
(¶17) and Indonesia's Law 18/2017 art. 27, so reports can be made against either."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other or not stated")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact date")
    MONTH = "month", _("Month and year only")
    YEAR = "year", _("Year only")
    ESTIMATED = "estimated", _("Estimated")


class EducationLevel(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary or vocational school")
    TERTIARY = "tertiary", _("Diploma or university")
    UNKNOWN = "unknown", _("Not known")


class IdentifierKind(models.TextChoices):
    NATIONAL_ID = "national_id", _("National identity number")
    PASSPORT = "passport", _("Passport")
    WORKER_ID = "worker_id", _("Migrant-worker card or registration number")
    OTHER = "other", _("Other document")


class LegalStatus(models.TextChoices):
    DOCUMENTED = "documented", _("Documented")
    UNDOCUMENTED = "undocumented", _("Undocumented")
    UNDOCUMENTED_NO_FAULT = "undocumented_no_fault", _("Undocumented through no fault of their own")
    UNKNOWN = "unknown", _("Not known")


class ReturnMode(models.TextChoices):
    VOLUNTARY = "voluntary", _("Voluntary")
    FORCED = "forced", _("Forced")
    ASSISTED = "assisted", _("Assisted")
    SPONTANEOUS = "spontaneous", _("Spontaneous")


class Readiness(models.TextChoices):
    READY = "ready", _("Ready to return")
    PARTLY = "partly", _("Partly ready")
    NOT_READY = "not_ready", _("Not ready")
    UNKNOWN = "unknown", _("Not known")


class Intention(models.TextChoices):
    STAY = "stay", _("Stay at home")
    REMIGRATE = "remigrate", _("Work abroad again")
    UNDECIDED = "undecided", _("Undecided")


class ReturnStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected (still abroad)")
    ARRIVED = "arrived", _("Arrived home")


class ConsentPurpose(models.TextChoices):
    CASE_MANAGEMENT = "case_management", _("Case management")
    REFERRAL_SHARING = "referral_sharing", _("Sharing with service providers for referrals")
    JOB_MATCHING = "job_matching", _("Showing skills to employers for jobs")
    RESEARCH = "research", _("Research and surveys")


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Spoken, recorded by staff")
    WRITTEN = "written", _("Signed form")
    ONLINE = "online", _("Given online by the returnee")


class Channel(models.TextChoices):
    STAFF = "staff", _("Registered by an office")
    SELF = "self", _("Self-registration")
    CONSULAR = "consular", _("Consular pre-return registration")
    API = "api", _("Another system (API)")
    IMPORT = "import", _("Imported list")


class AbuseIndicator(models.TextChoices):
    CHEATED = "cheated", _("Cheated about the job or pay")
    FORCED_WORK = "forced_work", _("Forced to work")
    EXCESSIVE_HOURS = "excessive_hours", _("Excessive working hours")
    WAGE_DEDUCTIONS = "wage_deductions", _("Wages deducted")
    WAGES_UNPAID = "wages_unpaid", _("Wages not paid")
    CONFINEMENT = "confinement", _("Not allowed to leave")
    THREATS = "threats", _("Threatened")
    DOCUMENTS_WITHHELD = "documents_withheld", _("Documents taken away")
    PHYSICAL_VIOLENCE = "physical_violence", _("Physical violence")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")


class CostFinancing(models.TextChoices):
    SAVINGS = "savings", _("Own savings")
    FAMILY = "family", _("Family or friends")
    MONEYLENDER = "moneylender", _("Moneylender")
    BANK_LOAN = "bank_loan", _("Bank or cooperative loan")
    SALARY_DEDUCTION = "salary_deduction", _("Deducted from salary abroad")
    SOLD_ASSETS = "sold_assets", _("Sold land, livestock or goods")
    EMPLOYER_PAID = "employer_paid", _("Paid by the employer")


class SkillLevel(models.TextChoices):
    BASIC = "basic", _("Basic")
    EXPERIENCED = "experienced", _("Experienced")
    ADVANCED = "advanced", _("Advanced")
    CERTIFIED = "certified", _("Certified")


class ReturnReason(models.TextChoices):
    END_OF_CONTRACT = "end_of_contract", _("End of contract")
    GOAL_ACHIEVED = "goal_achieved", _("Goal achieved")
    LEAVE = "leave", _("Leave")
    EARLY_TERMINATION = "early_termination", _("Contract ended early")
    ACCIDENT_OR_ILLNESS = "accident_or_illness", _("Work accident or illness")
    ABUSE_OR_VIOLENCE = "abuse_or_violence", _("Abuse or violence")
    CRISIS = "crisis", _("War, disaster or epidemic in the destination")
    DEPORTATION = "deportation", _("Deportation")
    VISA_REFUSED = "visa_refused", _("Visa or permit renewal refused")
    LACK_OF_SUCCESS = "lack_of_success", _("Lack of success or poor integration")
    FAMILY_REASONS = "family_reasons", _("Family reasons")
    BETTER_AT_HOME = "better_at_home", _("Improved conditions at home")
    RETIREMENT = "retirement", _("Retirement")
    DEATH = "death", _("Death (repatriation of remains)")
    OTHER_HARM = "other_harm", _("Other harm to the worker")
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class ReasonMapping:
    guideline: str  # the guideline ¶17 category
    law_18_2017: str  # Indonesia Law 18/2017 art. 27 item ("" when the law does not name it)


# ¶17: goal achieved, retirement, lack of success, end of temporary contract, family reasons,
# improved conditions at home, visa renewal refused, deportation, other.
# Art. 27: end of contract; leave; termination before the contract ends; work accident or
# illness; abuse or violence; war, disaster or epidemic; deportation; death; other harm.
REASON_MAPPINGS: dict[str, ReasonMapping] = {
    ReturnReason.END_OF_CONTRACT: ReasonMapping("end_of_contract", "end_of_contract"),
    ReturnReason.GOAL_ACHIEVED: ReasonMapping("goal_achieved", "end_of_contract"),
    ReturnReason.LEAVE: ReasonMapping("other", "leave"),
    ReturnReason.EARLY_TERMINATION: ReasonMapping("end_of_contract", "early_termination"),
    ReturnReason.ACCIDENT_OR_ILLNESS: ReasonMapping("other", "accident_or_illness"),
    ReturnReason.ABUSE_OR_VIOLENCE: ReasonMapping("other", "abuse_or_violence"),
    ReturnReason.CRISIS: ReasonMapping("other", "crisis"),
    ReturnReason.DEPORTATION: ReasonMapping("deportation", "deportation"),
    ReturnReason.VISA_REFUSED: ReasonMapping("visa_refused", "early_termination"),
    ReturnReason.LACK_OF_SUCCESS: ReasonMapping("lack_of_success", "other_harm"),
    ReturnReason.FAMILY_REASONS: ReasonMapping("family_reasons", "other_harm"),
    ReturnReason.BETTER_AT_HOME: ReasonMapping("better_at_home", ""),
    ReturnReason.RETIREMENT: ReasonMapping("retirement", "end_of_contract"),
    ReturnReason.DEATH: ReasonMapping("other", "death"),
    ReturnReason.OTHER_HARM: ReasonMapping("other", "other_harm"),
    ReturnReason.OTHER: ReasonMapping("other", "other_harm"),
}

# Reasons that signal a returnee who needs targeted support (¶17, ¶29), not only information.
VULNERABLE_REASONS = frozenset(
    {
        ReturnReason.EARLY_TERMINATION,
        ReturnReason.ACCIDENT_OR_ILLNESS,
        ReturnReason.ABUSE_OR_VIOLENCE,
        ReturnReason.CRISIS,
        ReturnReason.DEPORTATION,
        ReturnReason.OTHER_HARM,
    }
)

# ISIC Rev. 4 sections, for the sector of work abroad.
ISIC_SECTIONS = {
    "A": _("Agriculture, forestry and fishing"),
    "B": _("Mining and quarrying"),
    "C": _("Manufacturing"),
    "D": _("Electricity, gas, steam and air conditioning supply"),
    "E": _("Water supply, sewerage and waste management"),
    "F": _("Construction"),
    "G": _("Wholesale and retail trade"),
    "H": _("Transportation and storage"),
    "I": _("Accommodation and food service"),
    "J": _("Information and communication"),
    "K": _("Financial and insurance activities"),
    "L": _("Real estate activities"),
    "M": _("Professional, scientific and technical activities"),
    "N": _("Administrative and support service activities"),
    "O": _("Public administration and defence"),
    "P": _("Education"),
    "Q": _("Human health and social work"),
    "R": _("Arts, entertainment and recreation"),
    "S": _("Other service activities"),
    "T": _("Households as employers (domestic work)"),
    "U": _("Extraterritorial organisations"),
}
