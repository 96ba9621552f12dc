"""Stays abroad and the returns that end them: corridors by origin and sex, legal status,
cost and how it was paid, abuse reported, and why, how and how ready people came back."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from pulang.registry.codes import (
    AbuseIndicator,
    CostFinancing,
    Intention,
    LegalStatus,
    Readiness,
    ReturnMode,
    ReturnReason,
)
from pulang.registry.synthetic.data import Job, Lists, Pool, pool_of

# ISO 4217 currency of the migration cost, US dollars to it, and the unit people round to.
CURRENCIES = {
    "ID": ("IDR", 15800, 100000),
    "PH": ("PHP", 56, 1000),
    "VN": ("VND", 25000, 1000000),
    "KH": ("USD", 1, 10),
    "MM": ("MMK", 2100, 10000),
    "LA": ("LAK", 21000, 100000),
    "TH": ("THB", 35, 1000),
}

_REASON_WEIGHTS = {
    ReturnReason.END_OF_CONTRACT: 55.0,
    ReturnReason.GOAL_ACHIEVED: 5.0,
    ReturnReason.LEAVE: 4.0,
    ReturnReason.EARLY_TERMINATION: 8.0,
    ReturnReason.ACCIDENT_OR_ILLNESS: 4.0,
    ReturnReason.ABUSE_OR_VIOLENCE: 3.0,
    ReturnReason.CRISIS: 1.5,
    ReturnReason.DEPORTATION: 2.0,
    ReturnReason.VISA_REFUSED: 2.0,
    ReturnReason.LACK_OF_SUCCESS: 2.0,
    ReturnReason.FAMILY_REASONS: 6.0,
    ReturnReason.BETTER_AT_HOME: 1.0,
    ReturnReason.RETIREMENT: 0.0,
    ReturnReason.DEATH: 0.0,
    ReturnReason.OTHER_HARM: 1.0,
    ReturnReason.OTHER: 2.0,
}
_PLANNED = frozenset(
    {
        ReturnReason.END_OF_CONTRACT,
        ReturnReason.GOAL_ACHIEVED,
        ReturnReason.LEAVE,
        ReturnReason.FAMILY_REASONS,
        ReturnReason.BETTER_AT_HOME,
        ReturnReason.RETIREMENT,
        ReturnReason.VISA_REFUSED,
    }
)
_MODES: dict[str, Pool[str]] = {
    ReturnReason.DEPORTATION.value: pool_of(
        {ReturnMode.FORCED.value: 90, ReturnMode.ASSISTED.value: 10}
    ),
    ReturnReason.ABUSE_OR_VIOLENCE.value: pool_of(
        {
            ReturnMode.ASSISTED.value: 60,
            ReturnMode.SPONTANEOUS.value: 30,
            ReturnMode.VOLUNTARY.value: 10,
        }
    ),
    ReturnReason.CRISIS.value: pool_of(
        {ReturnMode.ASSISTED.value: 60, ReturnMode.VOLUNTARY.value: 40}
    ),
    ReturnReason.DEATH.value: pool_of({ReturnMode.ASSISTED.value: 100}),
    ReturnReason.ACCIDENT_OR_ILLNESS.value: pool_of(
        {ReturnMode.ASSISTED.value: 50, ReturnMode.VOLUNTARY.value: 50}
    ),
    ReturnReason.EARLY_TERMINATION.value: pool_of(
        {
            ReturnMode.VOLUNTARY.value: 50,
            ReturnMode.FORCED.value: 20,
            ReturnMode.SPONTANEOUS.value: 30,
        }
    ),
    ReturnReason.OTHER_HARM.value: pool_of(
        {ReturnMode.ASSISTED.value: 50, ReturnMode.SPONTANEOUS.value: 50}
    ),
}
_DEFAULT_MODE = pool_of({ReturnMode.VOLUNTARY.value: 85, ReturnMode.SPONTANEOUS.value: 15})
_READINESS_PLANNED = pool_of(
    {
        Readiness.READY.value: 70,
        Readiness.PARTLY.value: 20,
        Readiness.NOT_READY.value: 5,
        Readiness.UNKNOWN.value: 5,
    }
)
_READINESS_FORCED = pool_of(
    {
        Readiness.READY.value: 5,
        Readiness.PARTLY.value: 30,
        Readiness.NOT_READY.value: 50,
        Readiness.UNKNOWN.value: 15,
    }
)
_INTENTION_LAST = pool_of(
    {Intention.STAY.value: 35, Intention.REMIGRATE.value: 40, Intention.UNDECIDED.value: 25}
)
_SUPPORT = (
    "Airport reception and transport home",
    "Temporary shelter",
    "Medical care",
    "Legal aid",
    "Counselling",
    "Help with unpaid wages",
)
_ABUSE = pool_of(
    {
        AbuseIndicator.CHEATED.value: 20,
        AbuseIndicator.FORCED_WORK.value: 8,
        AbuseIndicator.EXCESSIVE_HOURS.value: 25,
        AbuseIndicator.WAGE_DEDUCTIONS.value: 20,
        AbuseIndicator.WAGES_UNPAID.value: 18,
        AbuseIndicator.CONFINEMENT.value: 10,
        AbuseIndicator.THREATS.value: 10,
        AbuseIndicator.DOCUMENTS_WITHHELD.value: 20,
        AbuseIndicator.PHYSICAL_VIOLENCE.value: 8,
        AbuseIndicator.SEXUAL_VIOLENCE.value: 3,
    }
)
TRAFFICKING = frozenset(
    {AbuseIndicator.FORCED_WORK, AbuseIndicator.CONFINEMENT, AbuseIndicator.DOCUMENTS_WITHHELD}
)
_FINANCING = {
    "ID": {"savings": 20, "family": 30, "moneylender": 15, "bank_loan": 5, "salary_deduction": 25},
    "PH": {"savings": 30, "family": 30, "moneylender": 20, "bank_loan": 10, "salary_deduction": 5},
    "VN": {"savings": 15, "family": 30, "moneylender": 10, "bank_loan": 35, "sold_assets": 10},
    "TH": {"savings": 20, "family": 25, "moneylender": 15, "bank_loan": 30, "sold_assets": 10},
}
_FINANCING_DEFAULT = {
    "savings": 15,
    "family": 30,
    "moneylender": 35,
    "salary_deduction": 10,
    "sold_assets": 10,
}
FINANCING = {
    country: pool_of({CostFinancing(k).value: v for k, v in weights.items()})
    for country, weights in (*_FINANCING.items(), ("*", _FINANCING_DEFAULT))
}
_IRREGULAR_VISAS = {
    "SA": ("Umrah visa", "Visit visa", ""),
    "AE": ("Visit visa", ""),
    "MY": ("Social visit pass", ""),
    "TH": ("Border pass", ""),
    "KR": ("Tourist visa (B-2)", ""),
}
_DOMESTIC = frozenset({"9111", "5322"})
_FISHING = frozenset({"6222", "6223", "8350"})
_COVID = (dt.date(2020, 3, 1), dt.date(2021, 6, 30))
_COMPANY_WORDS = ("Golden", "Prima", "United", "Eastern", "Pacific", "Harmony", "Evergreen")
_COMPANY_SUFFIX = {
    "MY": "Sdn. Bhd.", "SG": "Pte. Ltd.", "TW": "Co., Ltd.", "KR": "Co., Ltd.",
    "JP": "K.K.", "TH": "Co., Ltd.", "SA": "Est.", "AE": "LLC", "QA": "W.L.L.",
    "KW": "W.L.L.", "IL": "Ltd.", "HK": "Ltd.", "BN": "Sdn. Bhd.",
}  # fmt: skip
_INDUSTRY = {"A": "Agro", "C": "Industries", "F": "Construction", "H": "Transport",
             "I": "Food", "Q": "Care", "S": "Wellness"}  # fmt: skip
_AGENCY = {
    "ID": ("PT {w} Jaya Abadi", "PT {w} Karya Mandiri", "PT {w} Sejahtera"),
    "PH": ("{w} Manpower Services Inc.", "{w} International Placement Agency"),
    "VN": ("{w} Manpower JSC", "{w} Labour Export Company"),
    "KH": ("{w} Manpower Co., Ltd.",),
    "MM": ("{w} Overseas Employment Agency",),
    "LA": ("{w} Labour Service Company",),
    "TH": ("{w} Recruitment Co., Ltd.",),
}


@dataclass(slots=True)
class ReturnEvent:
    status: str  # "arrived" or "expected"
    returned_on: dt.date | None
    expected_on: dt.date | None
    port: str
    reason: str
    mode: str
    readiness: str
    intention: str
    support: str


@dataclass(slots=True)
class Episode:
    job: Job
    city: str
    visa: str
    employer: str
    agency: str
    started: dt.date
    ended: dt.date | None
    legal_status: str
    cost: Decimal | None
    currency: str | None
    financing: list[str]
    abuse: list[str]
    ret: ReturnEvent


@functools.cache
def _reasons(
    undocumented: bool, domestic: bool, fishing: bool, covid: bool, last: bool, older: bool
) -> Pool[str]:
    """Return reasons weighted for the circumstances of one stay abroad."""
    weights = {k.value: v for k, v in _REASON_WEIGHTS.items()}
    if undocumented:
        weights[ReturnReason.DEPORTATION.value] += 45
    if domestic:
        weights[ReturnReason.ABUSE_OR_VIOLENCE.value] *= 2
        weights[ReturnReason.EARLY_TERMINATION.value] *= 1.5
    if fishing:
        weights[ReturnReason.OTHER_HARM.value] *= 2
        weights[ReturnReason.ACCIDENT_OR_ILLNESS.value] *= 1.5
        weights[ReturnReason.ABUSE_OR_VIOLENCE.value] *= 1.5
    if covid:
        weights[ReturnReason.CRISIS.value] += 30
    if last:
        weights[ReturnReason.DEATH.value] = 0.3
    if older:
        weights[ReturnReason.RETIREMENT.value] = 3
    return pool_of(weights)


def days(rng: Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


class EpisodeMaker:
    def __init__(self, *, lists: Lists, as_of: dt.date, rng: Random) -> None:
        self.lists = lists
        self.as_of = as_of
        self.rng = rng

    def episode(
        self, *, country: str, birth: dt.date, job: Job, end: dt.date, is_last: bool, ongoing: bool
    ) -> Episode:
        """One stay abroad ending on ``end`` (or still going on), with its return."""
        rng = self.rng
        legal = LegalStatus.DOCUMENTED.value
        draw = rng.random()
        if draw < job.undocumented * 0.7:
            legal = LegalStatus.UNDOCUMENTED.value
        elif draw < job.undocumented:
            legal = LegalStatus.UNDOCUMENTED_NO_FAULT.value
        elif draw > 0.98:
            legal = LegalStatus.UNKNOWN.value
        contract = dt.timedelta(days=int(job.months * 30.4))
        if ongoing:
            started = self.as_of - days(rng, 20, max(21, contract.days - 20))
            ret = ReturnEvent(
                status="expected",
                returned_on=None,
                expected_on=started + contract,
                port="",
                reason=ReturnReason.END_OF_CONTRACT.value,
                mode=ReturnMode.VOLUNTARY.value,
                readiness=Readiness.UNKNOWN.value,
                intention=Intention.UNDECIDED.value,
                support="",
            )
            ended = None
        else:
            reason = self._reason(job, legal, end, is_last, birth)
            share = 1.0
            if reason in _PLANNED and reason != ReturnReason.LEAVE:
                renewals = 2 if job.isco in _DOMESTIC and rng.random() < 0.3 else 1
                share = renewals * rng.uniform(0.95, 1.05)
            elif reason == ReturnReason.LEAVE:
                share = rng.uniform(0.4, 0.9)
            elif reason == ReturnReason.DEPORTATION:
                share = rng.uniform(0.2, 2.0)
            else:
                share = rng.uniform(0.1, 0.85)
            ended = end
            started = end - dt.timedelta(days=max(14, int(contract.days * share)))
            mode = _MODES.get(reason, _DEFAULT_MODE).pick(rng)
            planned = reason in _PLANNED
            readiness = (_READINESS_PLANNED if planned else _READINESS_FORCED).pick(rng)
            intention = Intention.REMIGRATE.value if reason == ReturnReason.LEAVE else None
            if reason == ReturnReason.DEATH:
                readiness, intention = Readiness.UNKNOWN.value, Intention.UNDECIDED.value
            support = ""
            if mode in {ReturnMode.ASSISTED, ReturnMode.FORCED} or rng.random() < 0.1:
                support = rng.choice(_SUPPORT)
            ret = ReturnEvent(
                status="arrived",
                returned_on=end + days(rng, 0, 2),
                expected_on=None,
                port=self._port(country, job, legal, reason),
                reason=reason,
                mode=mode,
                readiness=readiness,
                intention=intention or _INTENTION_LAST.pick(rng),
                support=support,
            )
        cost: Decimal | None = None
        currency: str | None = None
        financing: list[str] = []
        if rng.random() < 0.7:
            code, rate, unit = CURRENCIES[country]
            usd = rng.uniform(*job.cost_usd)
            cost = Decimal(int(usd * rate / unit) * unit)
            currency = code
            if cost == 0:
                financing = [CostFinancing.EMPLOYER_PAID.value]
            else:
                pool = FINANCING.get(country, FINANCING["*"])
                financing = [pool.pick(rng)]
                if rng.random() < 0.3:
                    second = pool.pick(rng)
                    if second not in financing:
                        financing.append(second)
        abuse: list[str] = []
        risk = 0.08 + (0.1 if job.isco in _DOMESTIC else 0) + (0.15 if job.isco in _FISHING else 0)
        risk += 0.1 if legal != LegalStatus.DOCUMENTED else 0
        forced_out = ret.reason in {ReturnReason.ABUSE_OR_VIOLENCE, ReturnReason.OTHER_HARM}
        if forced_out or rng.random() < risk:
            for _ in range(rng.randint(1, 3)):
                indicator = _ABUSE.pick(rng)
                if indicator not in abuse:
                    abuse.append(indicator)
            if ret.reason == ReturnReason.ABUSE_OR_VIOLENCE and not (
                {AbuseIndicator.PHYSICAL_VIOLENCE, AbuseIndicator.SEXUAL_VIOLENCE} & set(abuse)
            ):
                abuse.append(AbuseIndicator.PHYSICAL_VIOLENCE.value)
        destination = job.destination
        word = rng.choice(_COMPANY_WORDS)
        employer = ""
        if job.sector != "T":
            industry = _INDUSTRY.get(job.sector, "Trading")
            employer = f"{word} {industry} {_COMPANY_SUFFIX.get(destination, 'Ltd.')}"
        elif rng.random() < 0.4:
            employer = "Private household"
        agency = ""
        if legal == LegalStatus.DOCUMENTED and rng.random() < 0.8:
            agency = rng.choice(_AGENCY[country]).format(w=rng.choice(_COMPANY_WORDS))
        visa = job.visa
        if legal != LegalStatus.DOCUMENTED and rng.random() < 0.6:
            # Many went on a visa that does not allow work, or overstayed.
            visa = rng.choice(_IRREGULAR_VISAS.get(destination, ("",)))
        return Episode(
            job=job,
            city=rng.choice(job.cities) if job.cities else "",
            visa=visa,
            employer=employer,
            agency=agency,
            started=started,
            ended=ended,
            legal_status=legal,
            cost=cost,
            currency=currency,
            financing=financing,
            abuse=abuse,
            ret=ret,
        )

    def _reason(self, job: Job, legal: str, end: dt.date, is_last: bool, birth: dt.date) -> str:
        pool = _reasons(
            legal in {LegalStatus.UNDOCUMENTED, LegalStatus.UNDOCUMENTED_NO_FAULT},
            job.isco in _DOMESTIC,
            job.isco in _FISHING,
            _COVID[0] <= end <= _COVID[1],
            is_last,
            is_last and end.year - birth.year >= 45,
        )
        return pool.pick(self.rng)

    def _port(self, country: str, job: Job, legal: str, reason: str) -> str:
        ports = self.lists.ports.get(country)
        if ports is None:
            return ""
        crossing = ports.crossings.get(job.destination)
        overland = legal != LegalStatus.DOCUMENTED or reason == ReturnReason.DEPORTATION
        if crossing is not None and (
            overland or job.destination == "TH" or self.rng.random() < 0.15
        ):
            return crossing.pick(self.rng)
        return ports.regular.pick(self.rng)
