from __future__ import annotations

import datetime as dt

from pulang.reference.models import Occupation
from pulang.registry.inputs import EpisodeInput, IdentifierInput, RegistrationInput, ReturnInput

# A valid NIK for a woman born 17-08-1985 (day + 40), registered in Malang (3507).
NIK_SITI = "3507015708850001"


def occupation(code: str = "9111", title: str = "Domestic cleaners and helpers") -> Occupation:
    return Occupation.objects.get_or_create(code=code, defaults={"level": 4, "title_en": title})[0]


def siti(**changes: object) -> RegistrationInput:
    data = RegistrationInput(
        full_name="Siti Aminah binti Sukarno",
        sex="F",
        nationality="ID",
        birth_date=dt.date(1985, 8, 17),
        phone="0812 3456 7890",
        home_area="35.07.13.2001",
        identifiers=[IdentifierInput("national_id", "3507 0157 0885 0001", "ID")],
        episode=EpisodeInput(
            destination_country="MY",
            occupation="9111",
            started_on=dt.date(2019, 3, 1),
            ended_on=dt.date(2025, 2, 28),
        ),
        return_=ReturnInput(
            reason="end_of_contract",
            mode="voluntary",
            returned_on=dt.date(2025, 3, 2),
            port_of_entry="Juanda, Surabaya",
            destination_area="35.07.13.2001",
        ),
        consents=["case_management"],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data
