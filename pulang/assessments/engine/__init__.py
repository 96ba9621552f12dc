"""The assessment engine: instruments as data, answers checked against them, results
scored by their rules. Pure Python: no database, no request; the services around it store
what it decides."""

from pulang.assessments.engine.answers import Checked, Problem, check_answers
from pulang.assessments.engine.definition import Instrument, Question, Rule
from pulang.assessments.engine.loader import InstrumentError, load_definition
from pulang.assessments.engine.scoring import Result, priority_sentence, score

__all__ = [
    "Checked",
    "Instrument",
    "InstrumentError",
    "Problem",
    "Question",
    "Result",
    "Rule",
    "check_answers",
    "load_definition",
    "priority_sentence",
    "score",
]
