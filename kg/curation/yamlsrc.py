"""Read YAML while remembering the line of every mapping key and list item.

Curation errors must name the file, the line and the field; plain ``yaml.safe_load``
forgets where values came from, so this module builds ``Node`` mappings and ``Items``
lists that carry their line numbers.

>>> doc = load_text("a: 1\\nb:\\n  - x\\n  - y\\n", "demo.yaml")
>>> doc["b"], doc.line_of("b"), doc["b"].line_of(1)
(['x', 'y'], 2, 4)
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


def _convert(node: yaml.Node, path: str, loader: yaml.SafeLoader):
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = Node(path, line)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if key in out:
                raise CurationError(path, key_node.start_mark.line + 1, str(key),
                                    f"duplicate key {key!r}", "keep one of the two entries")
            out[key] = _convert(value_node, path, loader)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        out = Items(path, line)
        for item in node.value:
            out.append(_convert(item, path, loader))
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
    """Parse YAML text; syntax errors become CurationError with the line."""
    try:
        try:
            loader, root = _compose(text, _FAST)
        except yaml.YAMLError:
            loader, root = _compose(text, yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise CurationError(path, line, "", f"YAML syntax error: {getattr(exc, 'problem', exc)}",
                            "fix the indentation or quoting on that line") from None
    return None if root is None else _convert(root, path, loader)


def load_file(path: Path, shown_as: str | None = None):
    """Parse a YAML file, naming it ``shown_as`` (default: the path) in errors."""
    return load_text(path.read_text(encoding="utf-8"), shown_as or str(path))
