"""The one way in for every file the program reads: bounded, strict, and with clear errors.

Stack files, topology files, nvidia-smi captures, evidence and kubeconfigs all
come through here, so that each gets the same limits (see docs/stack-file.md, "Limits"):

- a size cap, checked while reading (`/dev/zero` stops at the cap);
- strict UTF-8, with the offset of the first bad byte;
- YAML without unbounded alias expansion, nesting or complex keys;
- JSON without unbounded nesting or objects;
- numbers no longer than `MAX_NUMBER_CHARS` before they are converted.

Every problem is a `FileProblem` naming the file and, where known, the line.
"""

import codecs
import errno
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

MIB = 1024 * 1024
MAX_TEXT_BYTES = 1 * MIB
"""Stack, topology, nvidia-smi and kubeconfig files, Pulumi.yaml."""
MAX_EVIDENCE_BYTES = 64 * MIB
"""`evidence.json`: a 1,000-node fleet's is about 200 kB; the largest fleet a stack
accepts (12,000 eight-GPU nodes with their ResourceSlices, a 100,000-pod queue, a
ResourceClaim per pod) writes about 57 MiB."""
MAX_DEPTH = 64
"""Nesting of mappings and lists (YAML aliases expanded)."""
MAX_YAML_VALUES = 10_000
"""Values in one YAML document, each alias counted as what it expands to (lesson1 has 40)."""
MAX_JSON_VALUES = 1_000_000
"""Values in one JSON document (a 1,000-node `evidence.json` has about 7,000)."""
MAX_JSON_COLLECTIONS = 1_000_000
"""Objects and lists in one JSON document: what costs a parser the most memory per byte."""
MAX_EVIDENCE_VALUES = 2_500_000
"""Values in `evidence.json`: the largest fleet's (above) has about 1.9 million."""
MAX_EVIDENCE_COLLECTIONS = 600_000
"""Objects and lists in `evidence.json`: the largest fleet's has about 456,000."""
MAX_NUMBER_CHARS = 32
"""Characters of one number: far beyond any count or size the fleet accepts."""
MAX_ECHO = 80
"""Characters of a value that an error message repeats."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_LONG_NUMBER = re.compile(rf"-?\d{{{MAX_NUMBER_CHARS + 1},}}")
_STDIN = "-"


class FileProblem(Exception):
    """A file that cannot be read as what it should be. `str()` is `<file>: <problem>`."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(source, problem)
        self.source = source
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"


class NotJson(FileProblem):
    """Text that is not JSON at all (rather than JSON beyond a limit)."""


def cut(text: str, limit: int = MAX_ECHO) -> str:
    """`text`, cut to `limit` characters with a note of how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def shorten(value: object, limit: int = MAX_ECHO) -> str:
    """`repr(value)`, cut to `limit` characters."""
    return cut(repr(value), limit)


def source_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == _STDIN else str(path)


def read_bytes(path: str | Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """At most `limit` bytes of a file (`-`: standard input); more is an error, not a hang."""
    source = source_name(path)
    try:
        if str(path) == _STDIN:
            data = sys.stdin.buffer.read(limit + 1)
        else:
            # Opened without blocking, so that a named pipe nobody writes to reads as
            # empty instead of hanging; then read as usual.
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
                os.set_blocking(stream.fileno(), True)
                data = stream.read(limit + 1)
    except OSError as error:
        raise FileProblem(source, _unreadable(Path(path), error)) from None
    if len(data) > limit:
        raise FileProblem(source, f"larger than {_size(limit)}; is this the right file?")
    return data


def _unreadable(path: Path, error: OSError) -> str:
    """Why a file cannot be opened, named for what it is rather than by its errno."""
    if error.errno == errno.ENOENT:
        if path.is_symlink():
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        return "no such file"
    if error.errno == errno.EISDIR:
        return "a folder, not a file"
    if error.errno == errno.ELOOP:
        return "a symbolic link loop (its links lead back to themselves, never to a file)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "not readable by this user (permission denied)"
    if error.errno == errno.ENOTDIR:
        return "no such file (a part of the path is a file, not a folder)"
    return f"cannot read the file: {error.strerror or error}"


def read_text(path: str | Path, limit: int = MAX_TEXT_BYTES) -> str:
    """A file's text as strict UTF-8 (a leading byte-order mark dropped), line endings kept.

    UTF-16, as Windows PowerShell's `>` writes it, is refused with how to save UTF-8.
    """
    data = read_bytes(path, limit)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data):
        raise FileProblem(source_name(path), UTF16_PROBLEM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(
            source_name(path),
            f"not UTF-8 text: line {line}, byte offset {error.start} "
            f"(byte 0x{data[error.start]:02x})",
        ) from None


UTF16_PROBLEM = (
    "UTF-16 text, as Windows PowerShell's `>` writes it; this program reads UTF-8: "
    "save it with `| Out-File -Encoding utf8 FILE` (or convert it: "
    "`iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8`)"
)


def _utf16_without_bom(data: bytes) -> bool:
    """ASCII text as UTF-16 without a byte-order mark: a NUL after (or before) each character."""
    head = data[: len(data[:64]) // 2 * 2]
    even, odd = head[::2], head[1::2]
    return len(head) >= 4 and ((all(even) and not any(odd)) or (all(odd) and not any(even)))


def newline_of(text: str) -> str:
    """The line ending a text uses: that of its first line (`\\n` when it has none)."""
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


# --- YAML ---------------------------------------------------------------------------------


class BoundedLoader(yaml.SafeLoader):
    """A safe YAML loader with limits, and strict about keys.

    - nesting deeper than `MAX_DEPTH` is refused while composing (no RecursionError);
    - aliases are expanded in a count, not in memory: a document over
      `MAX_YAML_VALUES` values once expanded (a "billion laughs"), or with an alias
      inside its own anchor, is refused before anything is built from it;
    - a key must be a scalar (no `? [a, b]`), and may be given only once: PyYAML
      keeps the last of two equal keys silently, which would hide a pool declared twice;
    - numbers longer than `MAX_NUMBER_CHARS` are refused before conversion.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        self._values += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, _too_deep(), self._mark())
            if self._values > MAX_YAML_VALUES:
                raise yaml.composer.ComposerError(None, None, _too_many_values(), self._mark())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _mark(self) -> Any:
        """Where the next event starts, for an error raised before it is composed."""
        return self.peek_event().start_mark  # type: ignore[no-untyped-call]

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<: *base`; its keys may be overridden
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key must be a plain value, not a list or a mapping",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"key {shorten(key)} is given twice "
                    "(each pool and key may be declared only once)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_bounded_number(self, node: yaml.ScalarNode) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise ConstructorError(None, None, _too_long_number(len(node.value)), node.start_mark)
        if node.tag.endswith(":int"):
            return SafeConstructor.construct_yaml_int(self, node)
        return SafeConstructor.construct_yaml_float(self, node)


BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_bounded_number)
BoundedLoader.add_constructor("tag:yaml.org,2002:float", BoundedLoader.construct_bounded_number)


def _check_expansion(root: yaml.Node) -> None:
    """Walk the document as it would be built, aliases expanded, and stop at the limits.

    Each alias is the same node object as its anchor, so a cycle or an
    exponential expansion shows up as a walk that outgrows the budget; the walk
    itself is bounded by that budget.
    """
    pending: list[tuple[yaml.Node, int]] = [(root, 1)]
    values = 0
    while pending:
        node, depth = pending.pop()
        values += 1
        if values > MAX_YAML_VALUES:
            raise yaml.composer.ComposerError(
                None, None, _too_many_values(" once aliases are expanded"), node.start_mark
            )
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, _too_deep(), node.start_mark)
        if isinstance(node, yaml.SequenceNode):
            pending.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.extend(((key, depth + 1), (value, depth + 1)))


class RefusedValue(ConstructorError):
    """Valid YAML holding a value a loader refuses; reported without "not valid YAML"."""


def load_yaml(text: str, source: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """One YAML document, within the limits; a `FileProblem` names the line otherwise."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except RefusedValue as error:
        raise FileProblem(source, yaml_problem(error)) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        char = error.character if isinstance(error.character, int) else ord(error.character)
        problem = f"line {line}: character U+{char:04X} is not allowed in YAML"
        raise FileProblem(source, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise FileProblem(source, f"not valid YAML: {yaml_problem(error)}") from None


def read_yaml(path: str | Path, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    return load_yaml(read_text(path), source_name(path), loader)


def yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML error on one line: where, and what (cut to a readable length)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        return f"{where}: {cut(' '.join(str(error.problem).split()), 4 * MAX_ECHO)}"
    return cut(" ".join(str(error).split()), 4 * MAX_ECHO)


# --- JSON ---------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


class _JsonLimit(ValueError):
    """A limit of `load_json`; `number` when an over-long number tripped it."""

    def __init__(self, message: str, *, number: bool = False) -> None:
        super().__init__(message)
        self.number = number


def load_json(
    text: str,
    source: str,
    max_values: int = MAX_JSON_VALUES,
    max_collections: int = MAX_JSON_COLLECTIONS,
) -> Any:
    """One JSON document, within the limits; keys given twice are an error.

    Objects and lists cost the most memory per byte of text, so their number is
    bounded before parsing: counting brackets (those inside strings too) is an
    upper bound that costs one pass in C.
    """
    if text.count("{") + text.count("[") > max_collections:
        raise FileProblem(
            source, f"not accepted JSON: more than {max_collections:,} objects and lists"
        )

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _DuplicateKey(f"key {shorten(key)} is given twice")
            result[key] = value
        return result

    def bounded_int(digits: str) -> int:
        if len(digits) > MAX_NUMBER_CHARS:
            raise _JsonLimit(_too_long_number(len(digits)), number=True)
        return int(digits)

    try:
        document = json.loads(text, object_pairs_hook=unique, parse_int=bounded_int)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise NotJson(source, f"not valid JSON: {where}: {error.msg}") from None
    except _DuplicateKey as error:
        raise FileProblem(source, f"not valid JSON: {error}") from None
    except _JsonLimit as error:
        where = _number_line(text) if error.number else ""
        raise FileProblem(source, f"not accepted JSON: {where}{error}") from None
    except RecursionError:
        raise FileProblem(source, f"not accepted JSON: {_too_deep()}") from None
    _check_json(document, source, max_values)
    return document


def read_json(
    path: str | Path,
    limit: int = MAX_TEXT_BYTES,
    max_values: int = MAX_JSON_VALUES,
    max_collections: int = MAX_JSON_COLLECTIONS,
) -> Any:
    return load_json(read_text(path, limit), source_name(path), max_values, max_collections)


def _check_json(document: Any, source: str, max_values: int) -> None:
    """Depth and value count of a parsed JSON document, walked without recursion.

    A collection's values are counted before any is queued, so that the walk
    itself stays small on a list of millions.
    """
    pending: list[tuple[Any, int]] = [(document, 1)]
    values = 1
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise FileProblem(source, f"not accepted JSON: {_too_deep()}")
        children = list(value.values()) if isinstance(value, dict) else value
        values += len(children)
        if values > max_values:
            raise FileProblem(source, f"not accepted JSON: more than {max_values:,} values")
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _number_line(text: str) -> str:
    """The line of the first over-long number."""
    match = _LONG_NUMBER.search(text)
    return f"line {text.count(chr(10), 0, match.start()) + 1}: " if match else ""


# --- messages -----------------------------------------------------------------------------


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels"


def _too_many_values(how: str = "") -> str:
    return f"more than {MAX_YAML_VALUES:,} values{how}; a fleet needs far fewer"


def _too_long_number(length: int) -> str:
    return f"a number of {length:,} characters; at most {MAX_NUMBER_CHARS} are accepted"


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit:,} bytes"
