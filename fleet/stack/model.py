"""What every model of the fleet spec shares: strictness, and how a problem names its key."""

from pydantic import BaseModel, ConfigDict


class FieldProblem(ValueError):
    """A validation problem that belongs to a key below the model that found it."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class SpecModel(BaseModel):
    """Strict: no unknown keys, no coercion ("2" is not 2, 2.0 is not 2)."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)
