"""Fields of the training settings panel that never change a typed value silently.

A spin box of Qt clamps or refuses what is out of its range without a word
(1000000000 became 1000000, "-5" became 5). These fields keep the value they
had and say what the limit is (`limit_hit`, shown beside the form). Numbers
commit on Enter or when the field loses focus, not on every keystroke, so
typing "300" does not store 3 and 30 on the way. The learning-rate field shows
and reads scientific notation: 1e-7 stays 1e-7 (a 6-decimal field showed 0, and
editing another field then stored 0). Also here: the words the panel shows for
the precision and compile choices, and the data-set options text (key=value).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox, QWidget

# What a number may look like while it is being typed ("1e", "-", ".5e-"): not yet a value, not wrong either.
_PARTIAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?$")
LADDER = (1.0, 2.0, 5.0)  # the arrows step a scientific field through 1, 2, 5 × 10^k
# What each choice of the newer settings means, in the list and its tooltip (keys from the settings model).
PRECISION_WORDS = {"auto": "auto (bf16 on GPUs that have it, else fp16; fp32 on CPU)", "fp32": "fp32 (full precision)"}
PRECISION_TIP = ("auto: mixed precision — bfloat16 on GPUs that support it, float16 with loss scaling on older GPUs, "
                 "plain float32 on the CPU. fp32: always full precision (slower on GPUs, the same results "
                 "everywhere).")
COMPILE_WORDS = {"off": "off (eager)", "default": "default", "max-autotune": "max-autotune (slow start, fastest)"}
COMPILE_TIP = ("torch.compile: off runs the network as written; default compiles it (the first step takes longer, "
               "the rest are faster); max-autotune searches for the fastest kernels (a much longer start). "
               "A network that cannot compile trains as written.")


def short_number(value: float) -> str:
    """``0.001``, ``1e-7``, ``2.5e-5``, ``1e6``: %g without the exponent's padding."""
    text = f"{value:.6g}"
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{'-' if m.group(1) == '-' else ''}{m.group(2)}", text)


def limit_message(label: str, typed: str, low: float, high: float, kept: str, is_int: bool) -> str:
    """"Batch size is at most 1000000: 1000000000 was not used (kept 32)"."""
    value = _parse(typed)
    shown = (lambda v: f"{int(v)}") if is_int else short_number
    side = f"at most {shown(high)}" if value is not None and value > high else f"at least {shown(low)}"
    return f"{label} is {side}: {typed} was not used (kept {kept})."


def _parse(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def ladder_step(value: float, up: bool) -> float:
    """The next value of the 1-2-5 ladder above (or below) ``value`` (positive)."""
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in LADDER]
    if up:
        return min(c for c in candidates if c > value * (1 + 1e-9))
    return max(c for c in candidates if c < value * (1 - 1e-9))


class _Limits:
    """What the bounded fields share: the setting's words and the check of a typed number against the range."""

    label = ""
    is_int = False

    def _check(self, text: str, report: Callable[[str], None], low: float, high: float, kept: str) -> bool:
        """True when ``text`` is a number outside [low, high] (then reported) or a lone sign being typed."""
        if text in ("-", "+"):
            return True  # Qt refuses a "-" when the minimum is not negative: let "-5" be typed, then say why not
        value = _parse(text)
        if value is None or low <= value <= high:
            return False
        report(limit_message(self.label or "This setting", text, low, high, kept, self.is_int))
        return True


class BoundedSpinBox(QSpinBox, _Limits):
    """An integer field: a typed number out of range is not used, and `limit_hit` says the limit."""

    limit_hit = Signal(str)  # the message (a value in range used later is the time to take it away)
    is_int = True

    def __init__(self, label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setKeyboardTracking(False)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self._check(text.strip(), self.limit_hit.emit, self.minimum(), self.maximum(), str(self.value())):
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())  # out of range: the value stays as it was


class BoundedDoubleSpinBox(QDoubleSpinBox, _Limits):
    """A decimal field with the same promise as `BoundedSpinBox`."""

    limit_hit = Signal(str)

    def __init__(self, label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setKeyboardTracking(False)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        number = text.strip().replace(self.locale().decimalPoint(), ".")
        if self._check(number, self.limit_hit.emit, self.minimum(), self.maximum(), self.textFromValue(self.value())):
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())


class ScientificSpinBox(BoundedDoubleSpinBox):
    """Shows and reads numbers as ``1e-07``-style or plain decimals; the arrows walk a 1-2-5 ladder."""

    DECIMALS = 15  # Qt rounds values to the field's decimals: 15 keeps every value a float32 run can use

    def __init__(self, label: str = "", first_step: float = 1e-6, parent: QWidget | None = None) -> None:
        super().__init__(label, parent)
        self.first_step = first_step  # where the up arrow goes from 0
        self.setDecimals(self.DECIMALS)

    def textFromValue(self, value: float) -> str:
        return short_number(value)

    def valueFromText(self, text: str) -> float:
        value = _parse(text.strip())
        return self.value() if value is None else value

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        number = text.strip()
        state = QValidator.State
        if _parse(number) is None:
            return (state.Intermediate if _PARTIAL.match(number) else state.Invalid), text, pos
        if self._check(number, self.limit_hit.emit, self.minimum(), self.maximum(), self.textFromValue(self.value())):
            return state.Intermediate, text, pos
        return state.Acceptable, text, pos

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            if value <= 0:
                value = self.first_step if steps > 0 else 0.0
            elif steps < 0 and self.minimum() <= 0 and value <= self.first_step * (1 + 1e-9):
                value = 0.0  # below the first step lies "off"
            else:
                value = ladder_step(value, steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


class LazyCombo(QComboBox):
    """A combo box that asks for its full list the first time it opens."""

    def __init__(self, on_first_open: Callable[[], None]) -> None:
        super().__init__()
        self._on_first_open: Callable[[], None] | None = on_first_open

    def showPopup(self) -> None:
        if self._on_first_open is not None:
            fill, self._on_first_open = self._on_first_open, None
            fill()
        super().showPopup()


def words(key: str) -> str:
    """``learning_rate`` -> "Learning rate" (how a message names a setting)."""
    return key.replace("_", " ").capitalize()


def parse_options(text: str) -> dict[str, Any]:
    """``"target=species; samples=200; features=[0, 1]"`` -> a dict (JSON values, else plain text)."""
    options: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise ValueError(f"'{part}' is not key=value — write options as key=value; key=value")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options


def format_options(options: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in options.items())
