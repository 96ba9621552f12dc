"""Page forms of assessments. The questionnaire is built from the instrument: one field
per question, with the input its answer type needs. The form only parses what was typed
into the engine's answer types; every rule (required, ranges, choices, skip logic) is
the engine's, and its errors come back onto the question they name."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.assessments.codes import AnswerType
from pulang.assessments.engine.definition import DECLINED
from pulang.assessments.engine.scoring import in_language

if TYPE_CHECKING:
    from pulang.assessments.engine import Instrument, Question

YES, NO = "yes", "no"
# A single choice with more answers than this is a drop-down list, not radio buttons.
MAX_RADIOS = 7
# A text answer allowed to be longer than this gets a text area.
SHORT_TEXT = 120
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def yes_no_choices(question: Question) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(YES, _("Yes")), (NO, _("No"))]
    if question.allow_decline:
        choices.append((DECLINED, _("Prefers not to say")))
    return choices


class SeveralField(forms.Field):
    """The values ticked, as they came (the engine checks them against the choices)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value]


def _field(question: Question, language: str, today: dt.date) -> forms.Field:
    label = in_language(question.text, language)
    help_text = in_language(question.help, language) if question.help else ""
    kind = question.type
    if kind == AnswerType.YES_NO:
        widget: forms.Widget = forms.RadioSelect(choices=yes_no_choices(question))
        return forms.CharField(label=label, help_text=help_text, required=False, widget=widget)
    if kind == AnswerType.SINGLE_CHOICE:
        choices = [(c.value, in_language(c.label, language)) for c in question.choices]
        if len(choices) > MAX_RADIOS:
            widget = forms.Select(choices=[("", _("Choose an answer")), *choices])
        else:
            widget = forms.RadioSelect(choices=choices)
        return forms.CharField(label=label, help_text=help_text, required=False, widget=widget)
    if kind == AnswerType.MULTIPLE_CHOICE:
        widget = forms.CheckboxSelectMultiple(
            choices=[(c.value, in_language(c.label, language)) for c in question.choices]
        )
        return SeveralField(label=label, help_text=help_text, required=False, widget=widget)
    if kind == AnswerType.NUMBER:
        attrs: dict[str, Any] = {
            "step": "1" if question.integer else "any",
            "inputmode": "numeric" if question.integer else "decimal",
        }
        if question.minimum is not None:
            attrs["min"] = question.minimum
        if question.maximum is not None:
            attrs["max"] = question.maximum
        widget = forms.NumberInput(attrs=attrs)
        return forms.CharField(label=label, help_text=help_text, required=False, widget=widget)
    if kind == AnswerType.DATE:
        attrs = {"type": "date"}
        if question.not_future:
            attrs["max"] = today.isoformat()
        widget = forms.DateInput(attrs=attrs, format="%Y-%m-%d")
        return forms.CharField(label=label, help_text=help_text, required=False, widget=widget)
    attrs = {"maxlength": question.max_length}
    if question.max_length > SHORT_TEXT:
        widget = forms.Textarea(attrs={**attrs, "rows": 3})
    else:
        widget = forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, help_text=help_text, required=False, widget=widget)


class AnswersForm(forms.Form):
    """One field per question the person may be asked (``omitted``: those their facts
    already rule out, such as pregnancy for a man), named ``q-<question id>``."""

    prefix = "q"

    def __init__(
        self,
        data: Any = None,
        *,
        instrument: Instrument,
        language: str,
        today: dt.date,
        omitted: Collection[str] = (),
    ) -> None:
        super().__init__(data)
        self.instrument = instrument
        for question in instrument.questions.values():
            if question.id not in omitted:
                self.fields[question.id] = _field(question, language, today)

    def answers(self) -> dict[str, Any]:
        """The answers in the engine's types; left-empty questions are left out, and what
        cannot be read as its type goes on as typed, for the engine to name the problem."""
        found: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            question = self.instrument.questions[name]
            answer = _answer(question, value)
            if answer not in (None, "", []):
                found[name] = answer
        return found


def _answer(question: Question, value: Any) -> Any:
    if question.type == AnswerType.YES_NO:
        return {YES: True, NO: False}.get(value, value)
    if question.type == AnswerType.NUMBER:
        return _number(value)
    return value


def _number(text: str) -> Any:
    """ "12" → 12, "2.5" or "2,5" → 2.5; anything else stays text (not a number)."""
    text = text.strip()
    if not NUMBER.match(text):
        return text
    number = float(text.replace(",", "."))
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and not re.search(r"[.,eE]", text) else number


class StartForm(forms.Form):
    """Which questionnaire, for which of the person's returns (the latest by default):
    ``?instrument=vulnerability_screen&return=12``."""

    instrument = forms.ChoiceField(label=_("Questionnaire"), widget=forms.RadioSelect)

    def __init__(
        self,
        data: Any = None,
        *,
        instruments: Sequence[tuple[str, str]],
        returns: Sequence[tuple[int, str]],
    ) -> None:
        initial: dict[str, Any] = {"instrument": instruments[0][0] if instruments else None}
        if returns:
            initial["return"] = returns[0][0]
        super().__init__(data, initial=initial)
        self.fields["instrument"].choices = list(instruments)  # type: ignore[attr-defined]
        self.fields["return"] = forms.TypedChoiceField(
            label=_("Return"),
            choices=list(returns),
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
        )
        self.latest_return = returns[0][0] if returns else None

    def clean_return(self) -> int | None:
        chosen: int | None = self.cleaned_data.get("return")
        return chosen if chosen is not None else self.latest_return


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    """The engine's problems on the question they name, others above the form."""
    for error in errors:
        name = str(error.get("field", ""))
        form.add_error(name if name in form.fields else None, str(error["reason"]))
