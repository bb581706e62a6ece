"""Helpers over a tree-sitter syntax tree, shared by the JavaScript and Spring readers.

The tree is built from attacker-written source: a walk stops after MAX_NODES nodes, so a
huge file costs bounded work whatever it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree-sitter is the optional [lint-stacks] extra; imported by the readers
    from tree_sitter import Node

MAX_NODES = 400_000
"""Nodes a walk visits at most (a larger file is walked only this far)."""


def node_text(node: Node | None) -> str:
    """The node's source text (undecodable bytes replaced), or "" for no node."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` in source order, depth first, at most MAX_NODES of them."""
    stack = [node]
    count = 0
    while stack:
        current = stack.pop()
        count += 1
        if count > MAX_NODES:
            return
        yield current
        stack.extend(reversed(current.children))
