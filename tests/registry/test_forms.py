"""Page forms of the registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from pulang.registry.forms import PersonEditForm
from pulang.registry.public_forms import SelfRegistrationForm


@pytest.mark.parametrize("language", ["en", "id"])
def test_dates_shown_again_stay_in_the_date_fields(language: str) -> None:
    # A date input takes only YYYY-MM-DD: the Indonesian "17-08-1985" showed an empty field,
    # so saving a correction erased the date of birth, and a saved self-registration lost
    # its dates before it was sent.
    edit = PersonEditForm(initial={"version": 1, "birth_date": dt.date(1985, 8, 17)})
    draft = SelfRegistrationForm(
        initial={"returned_on": dt.date(2025, 3, 2)}, provinces=[], areas=[], countries=[]
    )
    with translation.override(language):
        assert 'value="1985-08-17"' in str(edit["birth_date"])
        assert 'value="2025-03-02"' in str(draft["returned_on"])
