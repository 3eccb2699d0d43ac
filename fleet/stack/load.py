"""Read a fleet spec from a Pulumi stack file or from Pulumi config, with clear errors.

Every problem is reported as `<file>: <config key path>: <what is wrong>`, so
that a user can find the line to fix without a traceback.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fleet.files import files_in
from fleet.files.files_in import cut, shorten
from fleet.files.plain_values import EngineLoader
from fleet.stack.spec import (
    ENCRYPTED_KUBECONFIG,
    PROJECT,
    DemoSpec,
    ExistingClusterSpec,
    FieldProblem,
    FleetSpec,
    HeartbeatSpec,
    KindClusterSpec,
    KwokSpec,
    MonitoringSpec,
    OperatorSpec,
    PoolSpec,
    PoolTopologySpec,
    SchedulerReleaseSpec,
    TeamSpec,
    TopologyLevelsSpec,
)

# Problems listed in one message; the rest are counted (a file can have thousands).
MAX_PROBLEMS = 20


class SpecError(Exception):
    """A stack that does not describe a valid fleet. `str()` is the user-facing message."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(source)

    def __str__(self) -> str:
        lines = [f"{self.source}: invalid fleet spec"]
        lines += [f"  {problem}" for problem in self.listed()]
        return "\n".join(lines)

    def listed(self) -> list[str]:
        """The problems to print: the first `MAX_PROBLEMS`, then how many more there are."""
        more = len(self.problems) - MAX_PROBLEMS
        return self.problems[:MAX_PROBLEMS] + ([f"... and {more} more"] if more > 0 else [])


def load_stack_file(path: str | Path) -> FleetSpec:
    """Parse and validate `stacks/Pulumi.<stack>.yaml`."""
    return load_stack_text(path)[0]


def load_whole_gpu_stack(path: str | Path, command: str) -> FleetSpec:
    """A stack file for a command that predicts or checks whole GPUs only: refused when a
    pool shares its GPUs (docs/fleet.md, "GPU sharing"), which it does not model yet."""
    spec = load_stack_file(path)
    name = next(iter(spec.shared_pools), None)
    if name is not None:
        raise SpecError(
            str(path),
            [
                f"gpu-fleet:pools.{name}.sharing: gpu-fleet {command} predicts and checks "
                f"whole GPUs, and pool {name!r} shares its GPUs, which it does not model "
                "yet: use a stack without sharing (gpu-fleet check and manifests show a "
                "shared fleet)"
            ],
        )
    return spec


def load_stack_text(path: str | Path) -> tuple[FleetSpec, str]:
    """The validated spec of a stack file, and the file's text as read."""
    config, text = read_stack_config(path)
    return parse_fleet(config, str(path)), text


def read_stack_config(path: str | Path) -> tuple[dict[str, Any], str]:
    """This project's keys of a stack file, unvalidated, and the file's text.

    A file that cannot be read as text (missing, a folder, not UTF-8, ...) is a
    `FileProblem` named for what it is, not an invalid fleet spec. Plain values
    that the Pulumi engine's YAML reader could read differently (`010`, `yes`)
    and a key given with and without the namespace are refused here, so that
    `pulumi up` (which calls this on the stack's file too) refuses them alike.
    """
    source = str(path)
    text = files_in.read_text(path)
    try:
        document = files_in.load_yaml(text, source, EngineLoader)
    except files_in.FileProblem as error:
        raise SpecError(source, [error.problem]) from None
    if not isinstance(document, Mapping) or not isinstance(document.get("config"), Mapping):
        raise SpecError(source, ["expected a Pulumi stack file with a `config:` mapping"])
    return _secret_kubeconfig_noted(project_config(document["config"], source)), text


def _secret_kubeconfig_noted(config: dict[str, Any]) -> dict[str, Any]:
    """`cluster.kubeconfig` set with `pulumi config set --secret --path` is `{secure: ...}`
    in the file, which only the engine decrypts: the spec notes it as such."""
    cluster = config.get("cluster")
    if isinstance(cluster, Mapping) and _is_secret(cluster.get("kubeconfig")):
        config["cluster"] = {**cluster, "kubeconfig": ENCRYPTED_KUBECONFIG}
    return config


def _is_secret(value: Any) -> bool:
    """A value Pulumi keeps encrypted in a stack file: `{secure: <ciphertext>}`."""
    return isinstance(value, Mapping) and list(value) == ["secure"]


def project_config(config: Mapping[str, Any], source: str) -> dict[str, Any]:
    """This project's keys of a stack's `config:` mapping, without the namespace.

    Keys of other namespaces (`kubernetes:...`, `pulumi:...`) belong to others
    and are left alone; a key without a namespace belongs to this project, so
    `cluster:` beside `gpu-fleet:cluster:` is one key given twice, refused.
    """
    own: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in config.items():
        namespace, _, name = str(key).rpartition(":")
        if namespace not in ("", PROJECT):
            continue
        if name in own:
            raise SpecError(
                source,
                [
                    f"{PROJECT}:{cut(name)}: given twice, as `{cut(written[name])}` and "
                    f"`{cut(str(key))}` (a key without a namespace is this project's); keep one",
                ],
            )
        own[name], written[name] = value, str(key)
    return own


def parse_fleet(config: Mapping[str, Any], source: str) -> FleetSpec:
    """Validate this project's config keys (without namespace) as a `FleetSpec`."""
    try:
        return FleetSpec.model_validate(dict(config))
    except ValidationError as error:
        raise SpecError(source, [_describe(detail) for detail in error.errors()]) from None


def _describe(detail: ErrorDetails) -> str:
    loc = _without_union_tags(detail["loc"])
    cause = detail.get("ctx", {}).get("error")
    if isinstance(cause, FieldProblem):
        loc = (*loc, *cause.loc)
    where = _key_path(loc)
    kind = detail["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(detail["loc"][:-1])
        hint = f"; valid keys here: {', '.join(allowed)}" if allowed else ""
        return f"{where}: unknown key{hint}"
    if kind == "missing":
        return f"{where}: required key is missing"
    if kind == "union_tag_not_found":
        return f"{where}: needs `mode: kind` (create a kind cluster) or `mode: existing`"
    if kind == "union_tag_invalid":
        tag = detail.get("ctx", {}).get("tag")
        return f"{where}.mode: must be `kind` or `existing` (got {tag!r})"
    message = detail["msg"].removeprefix("Value error, ")
    if kind.startswith("string_pattern"):
        message = _pattern_hint(loc)
    value = detail.get("input")
    if _is_secret(value):
        return (
            f"{where}: a Pulumi secret; of this project's keys only cluster.kubeconfig may be one"
        )
    if kind == "string_type" and isinstance(value, bool | int | float):
        return f"{where}: {_quote_hint(loc, value)}"
    got = "" if isinstance(value, Mapping) or kind == "value_error" else f" (got {shorten(value)})"
    return f"{where}: {message}{got}"


def _quote_hint(loc: tuple[int | str, ...], value: bool | float) -> str:
    """Text was expected and the file gave a number or a boolean (unquoted): say to quote it."""
    what = "a boolean" if isinstance(value, bool) else "a number"
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    field = loc[-1] if loc else "value"
    return f'text is expected, not {what} ({shown}): write it in quotes, {field}: "{shown}"'


def _without_union_tags(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    if len(loc) > 1 and loc[0] == "cluster" and loc[1] in ("kind", "existing"):
        return (loc[0], *loc[2:])
    return loc


def _key_path(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return f"{PROJECT}:<root>"
    head, *rest = (_readable(part) for part in loc)
    path = f"{PROJECT}:{head}"
    for part in rest:
        if part == "[key]":
            path += " (the key itself)"
        elif isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}"
    return path


def _readable(part: int | str) -> int | str:
    """A key as the message shows it: cut when it is too long to read."""
    return cut(part) if isinstance(part, str) else part


_LABEL_KEY_HINT = (
    "must be a node label key such as cloud.provider.com/topology-rack: an optional DNS "
    "prefix and '/', then letters, digits, '-', '_', '.' (at most 63)"
)


def _pattern_hint(loc: tuple[int | str, ...]) -> str:
    # A mapping's bad key is at (..., field, key, "[key]").
    field = loc[-3] if len(loc) > 2 and loc[-1] == "[key]" else (loc[-1] if loc else "")
    if loc and loc[0] == "pools" and loc[-1] == "[key]":
        return (
            "pool names become node names and label values: lowercase letters, digits and "
            "'-', starting and ending with a letter or digit, at most 63 characters"
        )
    hints = {
        "product": "must be a label value: letters, digits, '-', '_', '.', at most 63 characters",
        "memory": "must be a Kubernetes quantity such as 1024Gi or 512Gi",
        "quota": "must be a pool name or a product: letters, digits, '-', '_', '.'",
        "version": "must be a release version such as v0.7.0 (KWOK) or 0.0.59 (operator chart)",
        "block": _LABEL_KEY_HINT,
        "rack": _LABEL_KEY_HINT,
    }
    return hints.get(
        str(field), "must be a DNS label: lowercase letters, digits and '-', at most 63 characters"
    )


_MODELS_BY_SECTION: dict[str, type[BaseModel]] = {
    "kwok": KwokSpec,
    "heartbeat": HeartbeatSpec,
    "operator": OperatorSpec,
    "demo": DemoSpec,
    "monitoring": MonitoringSpec,
    "schedulerRelease": SchedulerReleaseSpec,
}


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys a mapping at `loc` accepts, as written in a stack file."""
    model: type[BaseModel] | None
    match loc:
        case ():
            model = FleetSpec
        case ("pools", _):
            model = PoolSpec
        case ("pools", _, "topology"):
            model = PoolTopologySpec
        case ("pools", _, "topology", "levels"):
            model = TopologyLevelsSpec
        case ("teams", _):
            model = TeamSpec
        case ("cluster", "kind"):
            model = KindClusterSpec
        case ("cluster", "existing"):
            model = ExistingClusterSpec
        case (str(section),):
            model = _MODELS_BY_SECTION.get(section)
        case _:
            model = None
    return _aliases(model) if model else []


def _aliases(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]
