"""Reading scenarios: built-in names or YAML files, with one-line errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..core.errors import ScenarioError
from . import schema
from .schema import ScenarioModel

__all__ = ["builtin_scenarios", "load_scenario", "scenario_from_dict"]

DEFAULT_SCENARIO = "crater-lake"


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names and their one-line descriptions."""
    folder = resources.files("scandia").joinpath("data", "scenarios")
    out = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            out[item.name[:-5]] = str(data.get("description", "")).strip().splitlines()[0] if data else ""
    return out


def _format_error(err: ValidationError) -> ScenarioError:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "scenario"
    msg = first["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if first["type"] == "extra_forbidden":
        msg = "unknown field (check spelling; see `scandia validate --schema`)"
    elif first["type"] == "missing":
        msg = "required field is missing"
    more = len(err.errors()) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    return ScenarioError(loc, msg)


def scenario_from_dict(data: Any) -> ScenarioModel:
    """Validate a mapping into a :class:`Scenario`; errors become a one-line :class:`ScenarioError`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError("scenario", f"top level must be a mapping, got {type(data).__name__}")
    try:
        return schema.Scenario.model_validate(data)  # the current generation (routes may have been registered)
    except ValidationError as err:
        raise _format_error(err) from None
    except ValueError as err:  # model_post_init cross-field checks
        raise ScenarioError("beneficiation", str(err).splitlines()[-1]) from None


def scenario_text(source: str | Path | None = None) -> tuple[str, str]:
    """(text as written, where it came from) of a built-in scenario by name or a YAML file by path: the file with
    its comments, as a user would read or copy it."""
    source = DEFAULT_SCENARIO if source is None else source
    path = Path(source)
    if not path.suffix and str(source) in builtin_scenarios():
        text = resources.files("scandia").joinpath("data", "scenarios", f"{source}.yaml").read_text("utf-8")
        return text, f"built-in scenario {source!r}"
    if path.is_file():
        return read_text_file(path, "scenario"), str(path)
    names = ", ".join(builtin_scenarios())
    raise ScenarioError("scenario", f"no file or built-in scenario {str(source)!r} (built-ins: {names})")


def load_scenario(source: str | Path | None = None) -> ScenarioModel:
    """Load a built-in scenario by name or a YAML file by path (default: ``crater-lake``)."""
    text, where = scenario_text(source)
    return scenario_from_dict(parse_yaml(text, where))


#: limits on untrusted YAML (scenario files and request bodies), checked on the parser's event stream before any
#: object is built: size in characters, nesting depth, and node count
MAX_YAML_CHARS = 1_000_000
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 100_000


def read_text_file(path: Path, field: str, limit: int = MAX_YAML_CHARS) -> str:
    """A UTF-8 text file of at most ``limit`` bytes; binary, UTF-16 or oversized files are a one-line error."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ScenarioError(field, f"{path} is {size:,} bytes; scenario files are limited to {limit:,}")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(field, f"cannot read {path}: {exc.strerror or exc}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise ScenarioError(field, f"{path} is not UTF-8 text (binary or UTF-16); save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(field, f"{path} is not UTF-8 text (bad byte at offset {exc.start})") from None


def _check_yaml_events(text: str, src: str) -> None:
    """Refuse anchors and aliases (a few hundred bytes of nested aliases expand to billions of nodes), nesting
    deeper than :data:`MAX_YAML_DEPTH` and more than :data:`MAX_YAML_NODES` nodes, reading the event stream only
    (linear in the text, nothing is built)."""
    if len(text) > MAX_YAML_CHARS:
        raise ScenarioError("scenario", f"YAML{src} is {len(text):,} characters; the limit is {MAX_YAML_CHARS:,}")
    depth = nodes = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            mark = event.start_mark
            raise ScenarioError("scenario", f"YAML anchors and aliases are not accepted{src} (line {mark.line + 1}); "
                                            "write the values out")
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise ScenarioError("scenario", f"YAML{src} has more than {MAX_YAML_NODES:,} values")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ScenarioError("scenario", f"YAML nested deeper than {MAX_YAML_DEPTH} levels{src}")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def parse_yaml(text: str, where: str | None = None) -> Any:
    """YAML text to Python data; a malformed (or absurdly nested) document is a one-line error with its position.
    Anchors and aliases are refused, and size, depth and node count are limited, before anything is built."""
    src = f" in {where}" if where else ""
    try:
        _check_yaml_events(text, src)
        return yaml.safe_load(text)
    except ScenarioError:
        raise
    except RecursionError:
        raise ScenarioError("scenario", f"YAML nested too deeply{src}") from None
    except ValueError as err:  # e.g. an integer literal of more than 4,300 digits
        why = "an integer of more than 4,300 digits" if "digits" in str(err) else str(err).splitlines()[0][:80]
        raise ScenarioError("scenario", f"unreadable value{src}: {why}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        pos = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError("scenario", f"malformed YAML{src}{pos}") from None
