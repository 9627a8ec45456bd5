"""Question types: one class per type, registered by name (``@question_type("yesno")``).

A type owns everything that differs between kinds of questions: which fields of the
definition it takes, which findings and ``show_if`` values it accepts, whether it is answered
in the checklist or stored elsewhere, how a value from the phone is coerced and checked, how
an answer is shown and exported, and the template partial that draws its input
(``visits/types/<name>.html``). The phone's code reads and writes the input in
``static/js/visit.js`` (``types``, keyed by the same names). See surveys/README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.errors import ServiceError

if TYPE_CHECKING:
    from app.services.checklists.schema import Condition, Question

#: The longest answer to a text question that declares no max_length.
TEXT_MAX_LENGTH = 2000


class QuestionType:
    """A kind of question. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str] = ""
    #: Answered in the checklist and kept in the visit's answers; False: stored elsewhere
    #: (timer marks, materials, photos), so never required, shown or compared with.
    answered: ClassVar[bool] = True
    #: Photos taken in the checklist may be attached to a question of this type.
    photos: ClassVar[bool] = False
    takes_options: ClassVar[bool] = False
    #: min, max and step.
    takes_range: ClassVar[bool] = False
    takes_max_length: ClassVar[bool] = False
    #: min_label and max_label.
    takes_end_labels: ClassVar[bool] = False
    #: What a finding's ``when`` may use (equals, in, includes, at_least, at_most); empty: no ``when``.
    conditions: ClassVar[frozenset[str]] = frozenset()

    @property
    def partial(self) -> str:
        """The template that draws the question's input on the checklist page."""
        return f"visits/types/{self.name}.html"

    # --- The definition in a template (messages raised as ValueError) -------------------------

    def check(self, question: Question) -> None:
        """The question's fields fit the type: options, then range, then the other fields."""
        self.check_options(question)
        self.check_range(question)
        self.check_extras(question)

    def check_options(self, question: Question) -> None:
        if not self.takes_options:
            if question.options is not None:
                raise ValueError(f"a {self.name} question takes no options")
            return
        if not question.options:
            raise ValueError(f"a {self.name} question needs options")
        values = question.option_values()
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")

    def check_range(self, question: Question) -> None:
        if not self.takes_range and (question.min is not None or question.max is not None
                                     or question.step is not None):
            raise ValueError(f"min, max and step are for number and scale questions, not {self.name}")
        if question.min is not None and question.max is not None and question.min > question.max:
            raise ValueError("min is larger than max")

    def check_extras(self, question: Question) -> None:
        if question.max_length is not None and not self.takes_max_length:
            raise ValueError("max_length is for text questions")
        if (question.min_label or question.max_label) and not self.takes_end_labels:
            raise ValueError("min_label and max_label are for scale questions")
        if question.required and not self.answered:
            raise ValueError(f"a {self.name} question cannot be required")

    def check_when(self, when: Condition, question: Question) -> None:
        """A finding's answer condition fits the type and compares with possible values."""
        given = when.kinds()
        if not self.conditions:
            raise ValueError(f"a {self.name} question cannot carry a 'when' finding")
        if "includes" in given - self.conditions:
            raise ValueError("'includes' is for multi questions")
        if given & {"at_least", "at_most"} - self.conditions:
            raise ValueError("'at_least' and 'at_most' are for number and scale questions")
        if given - self.conditions:
            raise ValueError(f"'{min(given - self.conditions)}' does not fit a {self.name} question")
        for value in when.compared():
            problem = self.when_problem(question, value)
            if problem:
                raise ValueError(problem)

    def when_problem(self, question: Question, value: Any) -> str | None:
        """Why a finding's condition cannot compare an answer with ``value`` (None: it can)."""
        return None

    def show_if_problem(self, question: Question, value: Any) -> str | None:
        """Why a later question cannot be shown when this one's answer is ``value``."""
        return f"show_if cannot depend on a {self.name} question"

    # --- Answers ----------------------------------------------------------------------------

    def bad(self, question: Question) -> ServiceError:
        """The error for a value of the wrong kind (a tampered payload)."""
        return ServiceError(f"bad value for {question.key}", field=question.key)

    def coerce(self, question: Question, value: Any) -> Any:
        """The value from the phone, checked and converted (ServiceError if it cannot be)."""
        raise self.bad(question)

    def problem(self, question: Question, value: Any) -> str | None:
        """What is wrong with a cleaned answer (range, length), or None."""
        return None

    def display(self, question: Question, value: Any) -> str:
        """The answer as the visit's page shows it."""
        return str(value)

    def columns(self, question: Question) -> list[str]:
        """The headers of the spreadsheet columns an export gives the question (none if stored elsewhere)."""
        return [question.key] if self.answered else []

    def export(self, question: Question, value: Any) -> list[str]:
        """The cells of an answer under ``columns`` (empty cells when unanswered)."""
        if not self.answered:
            return []
        return [""] if value is None else [self.display(question, value)]


#: Every question type by name, in the order they were registered.
QUESTION_TYPES: dict[str, QuestionType] = {}
T = TypeVar("T", bound=type[QuestionType])


def question_type(name: str) -> Callable[[T], T]:
    """Register the decorated class under ``name`` (once; ``temporary_registrations`` undoes it)."""

    def register(cls: T) -> T:
        if name in QUESTION_TYPES:
            raise ValueError(f"the question type {name} is registered twice")
        cls.name = name
        QUESTION_TYPES[name] = cls()
        return cls

    return register


# --- The types -------------------------------------------------------------------------------


@question_type("yesno")
class YesNo(QuestionType):
    conditions = frozenset({"equals", "in"})

    def when_problem(self, question: Question, value: Any) -> str | None:
        return None if isinstance(value, bool) else "a yes/no finding compares with true or false"

    def show_if_problem(self, question: Question, value: Any) -> str | None:
        if isinstance(value, bool):
            return None
        return f"show_if: '{question.key}' is yes/no, so compare with true or false"

    def coerce(self, question: Question, value: Any) -> Any:
        if not isinstance(value, bool):
            raise self.bad(question)
        return value

    def display(self, question: Question, value: Any) -> str:
        return _("Yes") if value else _("No")


class Choice(QuestionType):
    """A choice among the question's options."""

    takes_options = True

    def when_problem(self, question: Question, value: Any) -> str | None:
        return None if value in question.option_values() else f"'{value}' is not an option"

    def show_if_problem(self, question: Question, value: Any) -> str | None:
        if value in question.option_values():
            return None
        return f"show_if: '{value}' is not an option of '{question.key}'"

    def display(self, question: Question, value: Any) -> str:
        chosen = value if isinstance(value, list) else [value]
        return "、".join(o.label.get() for o in question.options or [] if o.value in chosen)


@question_type("single")
class Single(Choice):
    conditions = frozenset({"equals", "in"})

    def coerce(self, question: Question, value: Any) -> Any:
        if value not in question.option_values():
            raise self.bad(question)
        return value


@question_type("multi")
class Multi(Choice):
    conditions = frozenset({"equals", "in", "includes"})

    def coerce(self, question: Question, value: Any) -> Any:
        values = question.option_values()
        if not isinstance(value, list) or any(v not in values for v in value):
            raise self.bad(question)
        return sorted(set(value), key=values.index)

    def columns(self, question: Question) -> list[str]:
        """One column per option, marked 1 when it was chosen."""
        return [f"{question.key}.{value}" for value in question.option_values()]

    def export(self, question: Question, value: Any) -> list[str]:
        chosen = value if isinstance(value, list) else []
        return ["1" if option in chosen else "" for option in question.option_values()]


class Numeric(QuestionType):
    """A number, checked against the question's range."""

    takes_range = True
    conditions = frozenset({"equals", "in", "at_least", "at_most"})

    def bounds(self, question: Question) -> tuple[float | None, float | None]:
        return question.min, question.max

    def show_if_problem(self, question: Question, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"show_if: '{question.key}' takes numbers"
        return None

    def coerce(self, question: Question, value: Any) -> Any:
        if isinstance(value, bool):
            raise self.bad(question)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self.bad(question) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise self.bad(question)
        return int(number) if number.is_integer() else number

    def problem(self, question: Question, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        low, high = self.bounds(question)
        if (low is not None and value < low) or (high is not None and value > high):
            return _("Enter a number from %(low)s to %(high)s.", low=_number(low), high=_number(high))
        return None


@question_type("scale")
class Scale(Numeric):
    """Whole numbers from min to max (default 1 to 5), with optional labels at the ends."""

    takes_end_labels = True

    def bounds(self, question: Question) -> tuple[float, float]:
        return (question.min if question.min is not None else 1), (question.max if question.max is not None else 5)

    def values(self, question: Question) -> range:
        """The points of the scale, as the checklist offers them."""
        low, high = self.bounds(question)
        return range(int(low), int(high) + 1)

    def check_range(self, question: Question) -> None:
        low, high = self.bounds(question)
        if not (low == int(low) and high == int(high) and 0 <= low < high <= 10):
            raise ValueError("a scale runs between whole numbers, 0 <= min < max <= 10")
        super().check_range(question)


@question_type("number")
class Number(Numeric):
    pass


class Written(QuestionType):
    """Free text, at most max_length (or TEXT_MAX_LENGTH) characters."""

    takes_max_length = True

    def coerce(self, question: Question, value: Any) -> Any:
        if not isinstance(value, str):
            raise self.bad(question)
        limit = question.max_length or TEXT_MAX_LENGTH
        if len(value.strip()) > limit:  # refused at autosave as at submit: nothing oversized is stored
            raise ServiceError(_l("Use at most %(n)d characters.", n=limit), field=question.key)
        return value.strip()

    def problem(self, question: Question, value: Any) -> str | None:
        if isinstance(value, str) and question.max_length and len(value) > question.max_length:
            return _("Use at most %(n)d characters.", n=question.max_length)
        return None


@question_type("text")
class Text(Written):
    pass


@question_type("textarea")
class Textarea(Written):
    pass


class StoredElsewhere(QuestionType):
    """A step of the visit shown in the checklist, whose data the visit keeps itself."""

    answered = False


@question_type("materials")
class Materials(StoredElsewhere):
    """The guide's materials to tick and extra ones typed (the visit's materials)."""


@question_type("photo")
class Photo(StoredElsewhere):
    """Photos attached to the question (the visit's photos)."""

    photos = True


@question_type("timer")
class Timer(StoredElsewhere):
    """The visit's timer marks, editable."""


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else str(value)
