"""The conventions on which correct implementations differ, and the course's editions as presets.

This module is the one place that says what a convention is and what each edition of the
course chose. Everything else (the reference's keyword options, the checker's profiles,
the golden fixtures, ``optoracle train --profile``) reads it from here.

An *axis* is a question with a few correct answers: is Adam's epsilon inside or outside
the square root, does ``compute_cost`` return the batch mean or the batch sum, and so on.
An *edition* fixes some axes to the values that course edition published; an axis an
edition leaves open is determined from the implementation itself (as ``auto`` does for all).
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple
    clause: str            # the SPEC clause that a value outside ``values`` violates
    question: str          # what the axis decides, for reports
    meaning: dict          # value -> how the report says it


AXES = {axis.name: axis for axis in (
    Axis("epsilon", ("inside", "outside"), "adam.epsilon-placement", "Adam's epsilon",
         {"inside": "sqrt(s_corrected + epsilon)", "outside": "sqrt(s_corrected) + epsilon"}),
    Axis("cost", ("mean", "sum"), "cost.reduction", "compute_cost returns",
         {"mean": "the batch mean", "sum": "the batch sum"}),
    Axis("cost_view", ("last-batch", "epoch-mean"), "model.printed-cost", "model prints",
         {"last-batch": "the mean cost of the epoch's last mini-batch",
          "epoch-mean": "the epoch's total cost / m"}),
    Axis("adam_returns", (3, 5), "adam.returns", "Adam returns",
         {3: "(parameters, v, s)", 5: "(parameters, v, s, v_corrected, s_corrected)"}),
    Axis("num_epochs", (10000, 5000), "api.signatures", "model's default num_epochs",
         {10000: "num_epochs=10000", 5000: "num_epochs=5000"}),
    Axis("decay", ("absent", "present"), "train.decay", "learning-rate decay",
         {"absent": "none", "present": "update_lr, schedule_lr_decay, model(..., decay=None, decay_rate=1)"}),
)}


@dataclass(frozen=True)
class Conventions:
    """One value per axis; a field left ``None`` is open (determined from the implementation)."""
    epsilon: str | None = None
    cost: str | None = None
    cost_view: str | None = None
    adam_returns: int | None = None
    num_epochs: int | None = None
    decay: str | None = None

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value not in AXES[f.name].values:
                raise ValueError(f"convention {f.name}={value!r}: expected one of "
                                 f"{', '.join(map(repr, AXES[f.name].values))}")

    def items(self):
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def fixed(self):
        return {name: value for name, value in self.items() if value is not None}

    def open_axes(self):
        return [name for name, value in self.items() if value is None]

    def merged(self, other):
        """These values, with open axes taken from ``other``."""
        return Conventions(**{name: value if value is not None else getattr(other, name)
                              for name, value in self.items()})

    def with_(self, **values):
        return Conventions(**{**dict(self.items()), **values})

    def describe(self):
        return "; ".join(f"{AXES[name].question}: {AXES[name].meaning[value]}" for name, value in self.items()
                         if value is not None)


# The editions (SPEC.md "Editions"). ``course`` keeps its historical meaning: epsilon outside
# the root with the mean cost; it leaves the other axes open.
EDITIONS = {
    "seed": Conventions(epsilon="inside", cost="mean", cost_view="last-batch", adam_returns=3, num_epochs=10000,
                        decay="absent"),
    "course": Conventions(epsilon="outside", cost="mean"),
    "2019": Conventions(epsilon="outside", cost="sum", cost_view="epoch-mean", adam_returns=3, num_epochs=10000,
                        decay="absent"),
    "2021": Conventions(epsilon="outside", cost="sum", cost_view="epoch-mean", adam_returns=5, num_epochs=5000,
                        decay="present"),
}
EDITION_SOURCES = {
    "seed": "the seed text of the assignment (2017 era)",
    "course": "later course versions, PyTorch and optax: epsilon outside the root, mean cost",
    "2019": "the 2019 notebook (opt_utils_v1a): summed cost, epoch total / m printed",
    "2021": "the 2021 notebook: as 2019, plus num_epochs=5000, Adam's 5-tuple and learning-rate decay",
}
DEFAULT = EDITIONS["seed"]          # what the reference does when no convention is named


def complete(conventions):
    """``conventions`` with every open axis set to the seed text's value."""
    return conventions.merged(DEFAULT)


def matching_editions(conventions):
    """Editions whose fixed axes all agree with ``conventions`` (open axes of ``conventions`` agree with any)."""
    out = []
    for name, edition in EDITIONS.items():
        if all(getattr(conventions, axis) in (None, value) for axis, value in edition.fixed().items()):
            out.append(name)
    return out
