"""CEL (Common Expression Language) conditions for alert rules, compiled once into Python closures.

Expressions are parsed with cel-python's grammar (the CEL specification's) and turned into a tree
of small Python closures: nothing is ever ``eval``-ed, and only the constructs listed here are
accepted (anything else is a validation error naming it). Evaluation is per event::

    rule = compile_condition('event.severity == "critical" && event.service in ["payments", "checkout"]')
    rule.matches({"severity": "critical", "service": "payments"})   # True

Semantics follow CEL where it matters for alerting: a missing field or a type mismatch is an error,
``&&`` and ``||`` absorb an error when the other side decides the result, and an expression that
ends in an error does not match. Top-level ``event.<field> == "literal"`` conjuncts are reported as
``equalities`` so rule sets can index rules by them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree
from lark.exceptions import LarkError

from domain.errors import ValidationFailed

Node = Callable[[dict], Any]
MAX_LENGTH = 2000


class CelError(Exception):
    """Evaluation error (missing field, wrong type): the expression does not match."""


class _Missing:
    """Marker for an absent field: comparisons with it raise CelError."""


MISSING = _Missing()


@dataclass(frozen=True)
class Condition:
    """A compiled expression and what indexing can learn from it."""

    source: str
    evaluate: Node
    equalities: tuple[tuple[str, Any], ...]

    def matches(self, event: dict) -> bool:
        try:
            return self.evaluate(event) is True
        except (CelError, TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError, re.error):
            return False


@functools.lru_cache(maxsize=1)
def _parser() -> CELParser:
    return CELParser()


@functools.lru_cache(maxsize=4096)
def compile_condition(source: str, *, root: str = "event") -> Condition:
    """Compile ``source`` (cached); raise ValidationFailed with the reason when it is not usable."""
    if not source or not source.strip():
        raise ValidationFailed("The condition is empty.", field="condition")
    if len(source) > MAX_LENGTH:
        raise ValidationFailed(f"The condition is longer than {MAX_LENGTH} characters.", field="condition")
    try:
        tree = _parser().parse(source)
    except (LarkError, CELParseError) as bad:
        where = f" at line {bad.line}, column {bad.column}" if getattr(bad, "line", None) else ""
        raise ValidationFailed(f"The condition is not valid CEL{where}: {_short(bad)}", field="condition") from None
    compiler = _Compiler(root)
    return Condition(source, compiler.node(tree), tuple(compiler.equalities(tree)))


def _short(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return " / ".join(lines[:2])[:200] if lines else "syntax error"


def _literal(token: Token) -> Any:
    text = str(token)
    kind = token.type
    if kind in ("STRING_LIT", "MLSTRING_LIT"):
        raw = text[1:] if text[0] in "rR" else None
        body = (raw or text)
        quote = 3 if body[:3] in ('"""', "'''") else 1
        inner = body[quote:-quote]
        return inner if raw is not None else inner.encode("latin-1", "backslashreplace").decode("unicode_escape")
    if kind == "BOOL_LIT":
        return text == "true"
    if kind == "NULL_LIT":
        return None
    if kind == "FLOAT_LIT":
        return float(text)
    if kind in ("INT_LIT", "UINT_LIT"):
        return int(text.rstrip("uU"), 0)
    raise ValidationFailed(f"{kind.lower().replace('_lit', '')} literals are not supported.", field="condition")


def _field(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return value.get(name, MISSING)
    raise CelError(f"no field {name} on a {type(value).__name__}")


def _check(value: Any) -> Any:
    if value is MISSING:
        raise CelError("missing field")
    return value


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        left, right = _check(left), _check(right)
        if isinstance(left, bool) != isinstance(right, bool) and not (left is None or right is None):
            raise CelError("comparing a bool with a non-bool")
        return op(left, right)

    return compare


BINARY = {
    "relation_eq": _compare(lambda a, b: a == b), "relation_ne": _compare(lambda a, b: a != b),
    "relation_lt": _compare(lambda a, b: a < b), "relation_le": _compare(lambda a, b: a <= b),
    "relation_gt": _compare(lambda a, b: a > b), "relation_ge": _compare(lambda a, b: a >= b),
    "relation_in": lambda a, b: _check(a) in _check(b),
    "addition_add": lambda a, b: _check(a) + _check(b), "addition_sub": lambda a, b: _check(a) - _check(b),
    "multiplication_mul": lambda a, b: _check(a) * _check(b),
    "multiplication_div": lambda a, b: _check(a) / _check(b) if not isinstance(a, int) or not isinstance(b, int)
    else int(a / b),
    "multiplication_mod": lambda a, b: _check(a) % _check(b),
}


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _size(value: Any) -> int:
    return len(_check(value))


def _string(value: Any) -> str:
    value = _check(value)
    if not isinstance(value, str):
        raise CelError("expected a string")
    return value


METHODS: dict[str, Callable[..., Any]] = {
    "startsWith": lambda s, p: _string(s).startswith(_string(p)),
    "endsWith": lambda s, p: _string(s).endswith(_string(p)),
    "contains": lambda s, p: _string(p) in _string(s),
    "matches": lambda s, p: _regex(_string(p)).search(_string(s)) is not None,
    "lowerAscii": lambda s: _string(s).lower(),
    "upperAscii": lambda s: _string(s).upper(),
    "size": _size,
}
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "size": _size,
    "string": lambda v: str(_check(v)).lower() if isinstance(v, bool) else str(_check(v)),
    "int": lambda v: int(_check(v)),
    "double": lambda v: float(_check(v)),
    "matches": lambda s, p: _regex(_string(p)).search(_string(s)) is not None,
}


class _Compiler:
    """Turns a CEL parse tree into closures; one method per grammar rule that is supported."""

    def __init__(self, root: str) -> None:
        self.root = root

    def node(self, tree: Tree | Token | None) -> Node:
        if isinstance(tree, Token):
            raise ValidationFailed(f"Unexpected {tree!s} in the condition.", field="condition")
        handler = getattr(self, "_" + tree.data, None)
        if handler is None:
            raise ValidationFailed(f"{tree.data.replace('_', ' ')} is not supported in conditions.", field="condition")
        return handler(tree.children)

    def _single(self, children: list) -> Node:
        return self.node(children[0])

    _member = _primary = _paren_expr = _single

    def _expr(self, children: list) -> Node:
        if len(children) == 1 or children[1] is None:
            return self.node(children[0])
        test, yes, no = (self.node(c) for c in children)
        return lambda e: yes(e) if _boolean(test(e)) else no(e)

    def _conditionalor(self, children: list) -> Node:
        return self._logic(children, decisive=True)

    def _conditionaland(self, children: list) -> Node:
        return self._logic(children, decisive=False)

    def _logic(self, children: list, *, decisive: bool) -> Node:
        parts = [c for c in children if c is not None]
        if len(parts) == 1:
            return self.node(parts[0])
        operands = _flatten(self.node(parts[0]), decisive) + [self.node(parts[1])]
        return _junction(tuple(operands), decisive)

    def _binary(self, children: list) -> Node:
        if len(children) == 1 or children[0] is None:
            return self.node(children[-1])
        op_tree, right_tree = children
        left, right = self.node(op_tree.children[0]), self.node(right_tree)
        fast = _against_constant(op_tree.data, left, right)
        if fast is not None:
            return fast
        operate = BINARY[op_tree.data]
        return lambda e: operate(left(e), right(e))

    _relation = _addition = _multiplication = _binary

    def _unary(self, children: list) -> Node:
        if len(children) == 1:
            return self.node(children[0])
        operand = self.node(children[1])
        if children[0].data == "unary_not":
            return lambda e: not _boolean(operand(e))
        return lambda e: -_check(operand(e))

    def _ident(self, children: list) -> Node:
        name = str(children[0])
        if name != self.root:
            raise ValidationFailed(f"Unknown name {name!r}: conditions read {self.root}.<field>.", field="condition")
        root = lambda e: e  # noqa: E731
        root.path = ()  # type: ignore[attr-defined]
        return root

    def _member_dot(self, children: list) -> Node:
        target, name = self.node(children[0]), str(children[1])
        base = getattr(target, "path", None)
        if base is not None:
            return _path_reader((*base, name))
        return lambda e: _field(_check(target(e)), name)

    def _member_index(self, children: list) -> Node:
        target, key = self.node(children[0]), self.node(children[1])

        def index(e: dict) -> Any:
            container, at = _check(target(e)), _check(key(e))
            if isinstance(container, dict):
                return container.get(at, MISSING)
            return container[at]

        return index

    def _member_dot_arg(self, children: list) -> Node:
        target, name = self.node(children[0]), str(children[1])
        args = self._args(children[2] if len(children) > 2 else None)
        method = METHODS.get(name)
        if method is None:
            raise ValidationFailed(f"Unknown method {name}().", field="condition")
        return lambda e: method(target(e), *(a(e) for a in args))

    def _ident_arg(self, children: list) -> Node:
        name = str(children[0])
        args = self._args(children[1] if len(children) > 1 else None)
        if name == "has":
            return self._has(args, children)
        function = FUNCTIONS.get(name)
        if function is None:
            raise ValidationFailed(f"Unknown function {name}().", field="condition")
        return lambda e: function(*(a(e) for a in args))

    def _has(self, args: list[Node], children: list) -> Node:
        if len(args) != 1:
            raise ValidationFailed("has() takes one field, e.g. has(event.host).", field="condition")
        probe = args[0]

        def has(e: dict) -> bool:
            try:
                return probe(e) is not MISSING
            except CelError:
                return False

        return has

    def _args(self, exprlist: Tree | None) -> list[Node]:
        return [] if exprlist is None else [self.node(c) for c in exprlist.children]

    def _list_lit(self, children: list) -> Node:
        items = self._args(children[0] if children else None)
        if all(getattr(i, "constant", False) for i in items):
            frozen = [i(None) for i in items]
            return _constant(frozen)
        return lambda e: [i(e) for i in items]

    def _literal(self, children: list) -> Node:
        return _constant(_literal(children[0]))

    def equalities(self, tree: Tree) -> list[tuple[str, Any]]:
        """``event.<field> == literal`` conjuncts at the top of the expression."""
        found: list[tuple[str, Any]] = []
        for relation in _conjuncts(tree):
            pair = _field_equality(relation, self.root)
            if pair is not None:
                found.append(pair)
        return found


def _path_reader(path: tuple[str, ...]) -> Node:
    """event.a.b...: dictionary lookups in one closure; a missing step gives MISSING."""
    if len(path) == 1:
        (name,) = path

        def read_one(e: dict) -> Any:
            return e.get(name, MISSING)

        read_one.path = path  # type: ignore[attr-defined]
        return read_one

    def read(e: dict) -> Any:
        value: Any = e
        for name in path:
            if value is MISSING:
                return MISSING
            if type(value) is not dict:
                raise CelError(f"no field {name} on a {type(value).__name__}")
            value = value.get(name, MISSING)
        return value

    read.path = path  # type: ignore[attr-defined]
    return read


def _against_constant(operation: str, left: Node, right: Node) -> Node | None:
    """``x == literal`` / ``x != literal`` / ``x in [literals]`` in one closure (the common shapes)."""
    if not getattr(right, "constant", False):
        return None
    value = right(None)
    if operation == "relation_in" and isinstance(value, list):
        members = frozenset(v for v in value if not isinstance(v, bool)) if all(
            _hashable_value(v) for v in value) else None
        if members is None:
            return None

        def within(e: dict) -> bool:
            found = left(e)
            if found is MISSING:
                raise CelError("missing field")
            return found in members if _hashable_value(found) and not isinstance(found, bool) else found in value

        return within
    if operation not in ("relation_eq", "relation_ne") or isinstance(value, bool | list):
        return None
    equal = operation == "relation_eq"

    def compare(e: dict) -> bool:
        found = left(e)
        if found is MISSING:
            raise CelError("missing field")
        if type(found) is bool:
            raise CelError("comparing a bool with a non-bool")
        return (found == value) is equal

    return compare


def _hashable_value(value: Any) -> bool:
    return isinstance(value, str | int | float) or value is None


def _flatten(node: Node, decisive: bool) -> list[Node]:
    operands = getattr(node, "junction", None)
    return list(operands) if operands is not None and node.decisive is decisive else [node]


def _junction(operands: tuple[Node, ...], decisive: bool) -> Node:
    """&& (decisive False) or || (decisive True) over operands, with CEL's error absorption."""

    def run(e: dict) -> bool:
        failed = False
        for operand in operands:
            try:
                result = operand(e)
            except CelError:
                failed = True
                continue
            if result is decisive:
                return decisive
            if not isinstance(result, bool):
                failed = True
        if failed:
            raise CelError("&& and || need booleans")
        return not decisive

    run.junction = operands  # type: ignore[attr-defined]
    run.decisive = decisive  # type: ignore[attr-defined]
    return run


def _constant(value: Any) -> Node:
    def constant(e: dict) -> Any:
        return value

    constant.constant = True  # type: ignore[attr-defined]
    return constant


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CelError("expected a boolean")
    return value


def _conjuncts(tree: Tree) -> list[Tree]:
    """The relations joined by top-level && (none when the top is || or ?:)."""
    if tree.data == "expr" and (len(tree.children) == 1 or tree.children[1] is None):
        return _conjuncts(tree.children[0])
    if tree.data == "conditionalor" and len([c for c in tree.children if c is not None]) == 1:
        return _conjuncts([c for c in tree.children if c is not None][0])
    if tree.data == "conditionaland":
        parts = [c for c in tree.children if c is not None]
        return [relation for part in parts for relation in _conjuncts(part)] if len(parts) > 1 else \
            _conjuncts(parts[0])
    return [tree] if tree.data == "relation" else []


def _field_equality(relation: Tree, root: str) -> tuple[str, Any] | None:
    """``event.f == literal`` gives (f, literal); ``event.f in [literals]`` gives (f, AnyOf(literals))."""
    if len(relation.children) != 2 or relation.children[0] is None:
        return None
    operation = relation.children[0].data
    left, right = relation.children[0].children[0], relation.children[1]
    if operation == "relation_in":
        name, values = _event_field(left, root), _literal_list(right)
        return (name, AnyOf(values)) if name is not None and values is not None else None
    if operation != "relation_eq":
        return None
    for a, b in ((left, right), (right, left)):
        name, value = _event_field(a, root), _literal_value(b)
        if name is not None and value is not _NOT_LITERAL:
            return name, value
    return None


class AnyOf(tuple):
    """The literal alternatives of an ``in`` test, for indexing."""


def _literal_list(tree: Tree) -> tuple | None:
    found = _descend(tree, "list_lit")
    if found is None or found.data != "list_lit" or not found.children or found.children[0] is None:
        return None
    values = tuple(_literal_value(item) for item in found.children[0].children)
    return None if any(v is _NOT_LITERAL for v in values) else values


_NOT_LITERAL = object()


def _descend(tree: Tree, *rules: str) -> Tree | None:
    """Follow single-child wrappers (relation -> addition -> ... -> member) down to one of ``rules``."""
    while isinstance(tree, Tree) and tree.data not in rules:
        live = [c for c in tree.children if c is not None]
        if len(live) != 1 or not isinstance(live[0], Tree):
            return None
        tree = live[0]
    return tree


def _event_field(tree: Tree, root: str) -> str | None:
    member = _descend(tree, "member_dot")
    if member is None or member.data != "member_dot":
        return None
    base = _descend(member.children[0], "ident")
    if base is None or base.data != "ident" or str(base.children[0]) != root:
        return None
    return str(member.children[1])


def _literal_value(tree: Tree) -> Any:
    literal = _descend(tree, "literal")
    if literal is None or literal.data != "literal":
        return _NOT_LITERAL
    try:
        return _literal(literal.children[0])
    except ValidationFailed:
        return _NOT_LITERAL
