"""Hyperparameters declared once, as dataclass fields: constructor, ``params()`` and ``model.json``.

Every model class (estimators and forecasters) is a dataclass whose ``init`` fields are its
constructor arguments. :class:`DerivedParams` reads them back: on construction each scalar field is
converted to its declared type (``int``, ``float``, ``bool``, ``str``, optionally ``| None``), so
``n_estimators=300.0`` and a JSON ``300`` give the same model, and :meth:`DerivedParams.params`
returns every field that is a hyperparameter, in declaration order, JSON-serialisable. Learned
state is declared with :func:`state` (not a constructor argument, never saved as a parameter);
constructor arguments that are not hyperparameters (the ensemble's candidates) with
:func:`not_a_param`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

#: Seed used wherever a model draws random numbers (subsampling, TPE, committees, training pairs).
DEFAULT_SEED = 42
#: Decorator of every model class: a dataclass compared by identity, with the base's repr.
model_class = dataclasses.dataclass(eq=False, repr=False)

_PARAM = "param"
_SCALARS: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


def state(default: Any = None, *, factory: Callable[[], Any] | None = None) -> Any:
    """A field holding learned or cached state: set on construction, not an argument, not saved."""
    kwargs: dict[str, Any] = {"default_factory": factory} if factory is not None else {"default": default}
    return dataclasses.field(init=False, repr=False, metadata={_PARAM: False}, **kwargs)


def not_a_param(default: Any = dataclasses.MISSING) -> Any:
    """A constructor argument that is not a hyperparameter (left out of ``params()``)."""
    return dataclasses.field(default=default, metadata={_PARAM: False})


def _converter(annotation: object) -> tuple[type | None, bool]:
    """(scalar type to convert to, None allowed) from a field's annotation; (None, _) = keep as given."""
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    parts = [part.strip() for part in text.split("|")]
    kinds = [part for part in parts if part != "None"]
    if len(kinds) != 1 or kinds[0] not in _SCALARS:
        return None, False
    return _SCALARS[kinds[0]], len(kinds) < len(parts)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class DerivedParams:
    """Base of the model classes: hyperparameters are the dataclass ``init`` fields."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if not f.init:
                continue
            kind, optional = _converter(f.type)
            value = getattr(self, f.name)
            if kind is not None and not (optional and value is None):
                setattr(self, f.name, kind(value))

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """Names of the hyperparameters, in declaration order."""
        return tuple(
            f.name
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.init and f.metadata.get(_PARAM, True)
        )

    @classmethod
    def init_names(cls) -> tuple[str, ...]:
        """Every constructor argument, hyperparameter or not."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]

    @classmethod
    def accepted(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The entries of ``values`` this class's constructor takes (shared defaults such as seed,
        n_jobs or compute_device apply only to the families that have them)."""
        names = cls.init_names()
        return {k: v for k, v in values.items() if k in names}

    def params(self) -> dict[str, Any]:
        """Constructor arguments, JSON-serialisable, enough to rebuild an unfitted twin."""
        return {name: _jsonable(getattr(self, name)) for name in self.param_names()}

    def twin(self, **overrides: Any) -> Any:
        """An unfitted copy built from the same constructor arguments (``overrides`` win)."""
        values = {name: getattr(self, name) for name in self.init_names()}
        return type(self)(**{**values, **overrides})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params()})"
