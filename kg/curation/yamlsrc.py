"""Read YAML while remembering the line of every mapping key and list item.

Curation errors must name the file, the line and the field; plain ``yaml.safe_load``
forgets where values came from, so this module builds ``Node`` mappings and ``Items``
lists that carry their line numbers.

Aliases (``*name``) are refused, so a few hundred bytes cannot expand into gigabytes; a
file over MAX_BYTES is refused before it is read, and one nested too deep to parse is an error
naming the line where it passes MAX_NESTING levels.

>>> doc = load_text("a: 1\\nb:\\n  - x\\n  - y\\n", "demo.yaml")
>>> doc["b"], doc.line_of("b"), doc["b"].line_of(1)
(['x', 'y'], 2, 4)
>>> load_text("a: &x [1]\\nb: *x\\n", "demo.yaml")
Traceback (most recent call last):
...
kg.errors.CurationError: demo.yaml:2: field b: YAML alias (*name) refused: aliases can expand a small file into gigabytes (fix: write the value out instead of an alias)
"""
from __future__ import annotations

from pathlib import Path

import yaml

from kg.errors import CurationError


class Node(dict):
    """A YAML mapping that knows its file and the line of each key."""

    def __init__(self, path: str, line: int):
        super().__init__()
        self.path, self.line, self.lines = path, line, {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def where(self, key: str | None = None) -> str:
        return f"{self.path}:{self.line_of(key) if key else self.line}"


class Items(list):
    """A YAML sequence that knows the line of each item."""

    def __init__(self, path: str, line: int):
        super().__init__()
        self.path, self.line, self.lines = path, line, []

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


# libyaml's parser when PyYAML has it (ten times faster); its error messages are worded
# differently, so a failed parse is repeated with the pure-Python parser for the message.
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 16 << 20        # one curation file
FLATTEN = "a curation file needs a few levels: close the brackets or flatten the lists"
MAX_NESTING = 100           # nesting named in the error when the parser recurses too deep


def _convert(node: yaml.Node, path: str, loader: yaml.SafeLoader, seen: set[int],
             field: str = "", at: int = 0):
    """The node as Node/Items/scalars; CurationError when a node is met twice (an alias),
    naming ``field`` at line ``at``, where it is used again."""
    if id(node) in seen:
        raise CurationError(path, at or node.start_mark.line + 1, field,
                            "YAML alias (*name) refused: aliases can expand a small file "
                            "into gigabytes", "write the value out instead of an alias")
    seen.add(id(node))
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = Node(path, line)
        for key_node, value_node in node.value:
            key = _convert(key_node, path, loader, seen, field)
            if isinstance(key, (Node, Items)):
                raise CurationError(path, key_node.start_mark.line + 1, field,
                                    "a mapping key must be a plain value", "write a name")
            if key in out:
                raise CurationError(path, key_node.start_mark.line + 1, str(key),
                                    f"duplicate key {key!r}", "keep one of the two entries")
            out[key] = _convert(value_node, path, loader, seen, str(key),
                                key_node.start_mark.line + 1)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = Items(path, line)
        for item in node.value:
            out.append(_convert(item, path, loader, seen, field, line))
            out.lines.append(item.start_mark.line + 1)
        return out
    return loader.construct_object(node)


def _compose(text: str, loader_class):
    loader = loader_class(text)
    try:
        return loader, loader.get_single_node()
    finally:
        loader.dispose()


def load_text(text: str, path: str):
    """Parse YAML text; syntax errors, aliases and a text over MAX_BYTES become
    CurationError with the line."""
    if len(text) > MAX_BYTES:
        raise CurationError(path, 0, "", f"the file has {len(text)} characters; the limit is "
                            f"{MAX_BYTES}", "split it into several files")
    try:
        try:
            loader, root = _compose(text, _FAST)
        except yaml.YAMLError as fast_error:
            try:
                loader, root = _compose(text, yaml.SafeLoader)
            except RecursionError:          # libyaml's own limit says where, without recursing
                raise fast_error from None
        return None if root is None else _convert(root, path, loader, set())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise CurationError(path, line, "", f"YAML syntax error: {problem}",
                            FLATTEN if "nesting" in problem else
                            "fix the indentation or quoting on that line") from None
    except RecursionError:
        raise CurationError(path, _line_too_deep(text), "", "lists or mappings nested deeper "
                            f"than {MAX_NESTING} levels", FLATTEN) from None


def _line_too_deep(text: str) -> int:
    """The line where the nesting of ``text`` first passes MAX_NESTING (found from the
    parser's events, which need no recursion); 0 when it does not."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FAST):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return event.start_mark.line + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return mark.line + 1 if mark else 0
    return 0


def load_file(path: Path, shown_as: str | None = None):
    """Parse a YAML file, naming it ``shown_as`` (default: the path) in errors; a file that
    is not regular or is over MAX_BYTES is refused before it is read."""
    import stat
    shown = shown_as or str(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise CurationError(shown, 0, "", "not a regular file", "remove it from the folder")
    if info.st_size > MAX_BYTES:
        raise CurationError(shown, 0, "", f"the file is {info.st_size} bytes; the limit is "
                            f"{MAX_BYTES}", "split it into several files")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CurationError(shown, 0, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                            "save the file as UTF-8") from None
    return load_text(text, shown)
