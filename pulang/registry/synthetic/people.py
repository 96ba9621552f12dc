"""Human beings as they are: who they are, where they come from, where they worked and why
they came back. ``records`` then writes them as the channels report them."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from random import Random

from pulang.registry.codes import (
    AbuseIndicator,
    ConsentMethod,
    ConsentPurpose,
    EducationLevel,
    Intention,
    LegalStatus,
    ReturnReason,
)
from pulang.registry.synthetic.data import Job, Lists, Origin, Pool, pool_of
from pulang.registry.synthetic.documents import Area, AreaIndex, Issuer, address, phone
from pulang.registry.synthetic.migration import TRAFFICKING, Episode, EpisodeMaker, days
from pulang.registry.synthetic.naming import Name, make_name

# Share of women among returnees, by sending country (most domestic workers are women).
WOMEN_SHARE = {"ID": 0.68, "PH": 0.56, "VN": 0.38, "KH": 0.45, "MM": 0.46, "LA": 0.52, "TH": 0.22}
NATIONAL_ID_SHARE = {"ID": 0.85, "TH": 0.85, "VN": 0.6, "PH": 0.3, "KH": 0.5, "MM": 0.45}
STILL_ABROAD_SHARE = 0.04
NAMESAKE_SHARE = 0.03  # different people given a name someone else already has

_EDUCATION = {
    "ID": (3, 35, 30, 22, 3, 7),
    "PH": (1, 8, 15, 45, 25, 6),
    "VN": (1, 10, 45, 35, 4, 5),
    "KH": (10, 45, 25, 10, 1, 9),
    "MM": (8, 40, 28, 14, 2, 8),
    "LA": (8, 40, 30, 12, 2, 8),
    "TH": (2, 35, 30, 25, 4, 4),
}
EDUCATION = {
    country: Pool(
        (
            EducationLevel.NONE.value,
            EducationLevel.PRIMARY.value,
            EducationLevel.LOWER_SECONDARY.value,
            EducationLevel.UPPER_SECONDARY.value,
            EducationLevel.TERTIARY.value,
            EducationLevel.UNKNOWN.value,
        ),
        weights,
    )
    for country, weights in _EDUCATION.items()
}

# Languages spoken at home (BCP 47), by naming tradition or province, then by country.
_HOME_LANGUAGES = {
    "jv": ("jv", "id"), "su": ("su", "id"), "sasak": ("sas", "id"), "bali": ("ban", "id"),
    "batak": ("bbc", "id"), "ID-JI": ("jv", "id"), "ID-JT": ("jv", "id"), "ID-YO": ("jv", "id"),
    "ID-LA": ("jv", "id"), "ID-JB": ("su", "id"), "ID-BT": ("su", "id"), "ID-NB": ("sas", "id"),
    "ID": ("id",), "PH-CEB": ("ceb", "fil", "en"), "PH-NEC": ("hil", "fil", "en"),
    "PH-ILI": ("hil", "fil", "en"), "PH-ILN": ("ilo", "fil", "en"), "PH-ILS": ("ilo", "fil", "en"),
    "PH-LUN": ("ilo", "fil", "en"), "PH-PAN": ("pag", "ilo", "fil", "en"),
    "PH-PAM": ("pam", "fil", "en"), "PH-LAS": ("mrw", "fil"), "PH-SLU": ("tsg", "fil"),
    "PH-MGN": ("mdh", "fil"), "PH": ("fil", "en"), "VN": ("vi",), "KH": ("km",), "LA": ("lo",),
    "MM-15": ("mnw", "my"), "MM-13": ("ksw", "my"), "MM-17": ("shn", "my"), "MM": ("my",),
    "TH-50": ("nod", "th"), "TH-57": ("nod", "th"), "TH-56": ("nod", "th"), "TH": ("tts", "th"),
}  # fmt: skip
# Languages picked up at work abroad.
_DESTINATION_LANGUAGES = {
    "HK": "yue", "TW": "zh", "SA": "ar", "AE": "ar", "KW": "ar", "QA": "ar", "KR": "ko",
    "JP": "ja", "MY": "ms", "BN": "ms", "TH": "th", "SG": "en", "IL": "he",
}  # fmt: skip

_HOUSEHOLD = Pool((1, 2, 3, 4, 5, 6, 7, 8, 9), (4, 10, 18, 24, 20, 12, 6, 4, 2))
_CONSENT_METHOD = pool_of(
    {
        ConsentMethod.VERBAL.value: 50.0,
        ConsentMethod.WRITTEN.value: 35.0,
        ConsentMethod.ONLINE.value: 15.0,
    }
)


@dataclass(slots=True)
class Consent:
    purpose: str
    method: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None


@dataclass(slots=True)
class Human:
    number: int  # the cluster id in the truth file
    country: str
    sex: str
    birth: dt.date
    name: Name
    origin: Origin
    area: Area | None
    address: str
    national_id: str | None
    passport: str | None
    phone: str
    education: str
    household: int | None
    dependants: int | None
    languages: list[str]
    has_disability: bool | None
    episodes: list[Episode] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)

    @property
    def abroad_in(self) -> str | None:
        last = self.episodes[-1] if self.episodes else None
        return last.job.destination if last is not None and last.ended is None else None

    @property
    def is_restricted(self) -> bool:
        indicators = {a for e in self.episodes for a in e.abuse}
        return AbuseIndicator.SEXUAL_VIOLENCE in indicators or len(indicators & TRAFFICKING) >= 2


class HumanFactory:
    """Makes human beings one after another from one random stream."""

    def __init__(
        self,
        *,
        lists: Lists,
        countries: Pool[str],
        origins: dict[str, Pool[Origin]],
        areas: AreaIndex,
        as_of: dt.date,
        rng: Random,
    ) -> None:
        self.lists = lists
        self.countries = countries
        self.origins = origins
        self.areas = areas
        self.as_of = as_of
        self.rng = rng
        self.issuer = Issuer()
        self._recent: deque[Human] = deque(maxlen=2000)
        self.stays = EpisodeMaker(lists=lists, as_of=as_of, rng=rng)

    def make(self, number: int) -> Human:
        rng = self.rng
        country = self.countries.pick(rng)
        sex = "F" if rng.random() < WOMEN_SHARE.get(country, 0.5) else "M"
        namesake = None
        if self._recent and rng.random() < NAMESAKE_SHARE:
            namesake = rng.choice(self._recent)
            if namesake.country != country:
                namesake = None
            else:
                sex = namesake.sex
        origin = self.origins[country].pick(rng)
        if namesake is not None and rng.random() < 0.2:
            origin = namesake.origin
        area = self.areas.pick(origin, rng)
        style = origin.styles.pick(rng) if origin.styles is not None else ""
        name = (
            namesake.name
            if namesake is not None
            else make_name(self.lists, country, sex, style, rng)
        )

        # The latest return fixes the timeline; recent years weigh more.
        last_return = self.as_of - dt.timedelta(days=int(3650 * rng.random() ** 1.4))
        age = min(55, max(19, round(rng.triangular(19, 52, 29 if sex == "F" else 33))))
        birth = last_return - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
        if namesake is not None and rng.random() < 0.4:
            # Same birth year, another day: the hardest kind of "different person".
            birth = dt.date(namesake.birth.year, rng.randint(1, 12), rng.randint(1, 28))

        human = Human(
            number=number,
            country=country,
            sex=sex,
            birth=birth,
            name=name,
            origin=origin,
            area=area,
            address=address(country, area, self.lists, rng),
            national_id=None,
            passport=None,
            phone=phone(country, rng) if rng.random() < 0.92 else "",
            education=EDUCATION[country].pick(rng),
            household=None,
            dependants=None,
            languages=[],
            has_disability=None,
        )
        if rng.random() < NATIONAL_ID_SHARE.get(country, 0.0):
            human.national_id = self.issuer.national_id(country, origin, area, birth, sex, rng)
        if rng.random() < 0.85:
            size = _HOUSEHOLD.pick(rng)
            human.household = size
            human.dependants = min(size - 1, rng.randint(0, 4))
        disability = rng.random()
        human.has_disability = (
            True if disability < 0.015 else (False if disability < 0.35 else None)
        )
        self._episodes(human, last_return, style)
        abroad = human.abroad_in is not None
        documented = all(e.legal_status == LegalStatus.DOCUMENTED for e in human.episodes)
        if rng.random() < (0.85 if documented else 0.45) or abroad:
            human.passport = self.issuer.passport(country, rng)
        home = _HOME_LANGUAGES.get(style) or _HOME_LANGUAGES.get(origin.province)
        languages = list(home or _HOME_LANGUAGES.get(country, ()))
        for episode in human.episodes:
            learned = _DESTINATION_LANGUAGES.get(episode.job.destination)
            if learned and learned not in languages and rng.random() < 0.6:
                languages.append(learned)
        human.languages = languages
        self._consents(human)
        self._recent.append(human)
        return human

    def _episodes(self, human: Human, last_return: dt.date, style: str) -> None:
        rng = self.rng
        jobs = self.lists.jobs[(human.country, human.sex)]
        count = 2 if rng.random() < 0.25 else 1
        still_abroad = rng.random() < STILL_ABROAD_SHARE
        job = jobs.pick(rng)
        planned: list[Job] = [job]
        for _ in range(count - 1):
            planned.append(job if rng.random() < 0.6 else jobs.pick(rng))
        episodes: list[Episode] = []
        end = last_return
        # Build from the latest backwards, so the latest return keeps its date.
        for index in range(count - 1, -1, -1):
            job = planned[index]
            is_last = index == count - 1
            episode = self.stays.episode(
                country=human.country,
                birth=human.birth,
                job=job,
                end=end,
                is_last=is_last,
                ongoing=still_abroad and is_last,
            )
            episodes.append(episode)
            end = episode.started - days(rng, 90, 900)
        episodes.reverse()
        if len(episodes) > 1:
            for earlier in episodes[:-1]:
                if earlier.ret.reason != ReturnReason.DEATH and rng.random() < 0.85:
                    earlier.ret.intention = Intention.REMIGRATE
        # Nobody leaves before 18: move the birth date back where the first job says so.
        first_start = episodes[0].started
        adult = dt.date(first_start.year - 18, first_start.month, min(first_start.day, 28))
        if human.birth > adult:
            human.birth = adult - days(rng, 0, 1500)
        human.episodes = episodes

    def _consents(self, human: Human) -> None:
        rng = self.rng
        if rng.random() >= 0.35:
            return
        returned = [e.ret.returned_on for e in human.episodes if e.ret.returned_on is not None]
        base = returned[-1] if returned else self.as_of - days(rng, 1, 30)
        for purpose, share in (
            (ConsentPurpose.CASE_MANAGEMENT, 0.9),
            (ConsentPurpose.REFERRAL_SHARING, 0.5),
            (ConsentPurpose.JOB_MATCHING, 0.3),
            (ConsentPurpose.RESEARCH, 0.2),
        ):
            if rng.random() >= share:
                continue
            day = min(self.as_of, base + days(rng, 0, 60))
            given = dt.datetime(
                day.year, day.month, day.day, rng.randint(1, 9), rng.randint(0, 59), tzinfo=dt.UTC
            )
            withdrawn = None
            if rng.random() < 0.03:
                withdrawn = given + days(rng, 10, 300)
            method = _CONSENT_METHOD.pick(rng)
            human.consents.append(Consent(purpose.value, method, given, withdrawn))
