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
        return safely(self.evaluate, event)

    def residual(self, field_name: str) -> Callable[[dict], bool]:
        """A matcher for events known to satisfy this condition's conjunct on ``field_name``."""
        node = residual_of(self.evaluate, field_name)
        return lambda event: safely(node, event)


EVALUATION_ERRORS = (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError, re.error)


def safely(node: Node, event: dict) -> bool:
    """True only if the expression evaluates to true; any evaluation error is a non-match."""
    try:
        return node(event) is True
    except CelError:
        return False
    except EVALUATION_ERRORS:
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
    except RecursionError:
        raise ValidationFailed("The condition is nested too deeply.", field="condition") from None
    try:
        evaluate = _Compiler(root).node(tree)
    except RecursionError:
        raise ValidationFailed("The condition is nested too deeply.", field="condition") from None
    except (UnicodeDecodeError, ValueError) as bad:  # e.g. a string literal with an impossible escape
        raise ValidationFailed(f"The condition has an invalid literal: {_short(bad)}", field="condition") from None
    return Condition(source, evaluate, equalities_of(evaluate))


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
    if type(value) is not str:
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
        operands = [*_flatten(self.node(parts[0]), decisive), self.node(parts[1])]
        return _junction(tuple(operands), decisive)

    def _binary(self, children: list) -> Node:
        if len(children) == 1 or children[0] is None:
            return self.node(children[-1])
        op_tree, right_tree = children
        left, right = self.node(op_tree.children[0]), self.node(right_tree)
        if op_tree.data in ("relation_eq", "relation_ne") and getattr(left, "constant", False) \
                and not getattr(right, "constant", False):
            left, right = right, left
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
        fast = _string_test(name, target, args)
        return fast if fast is not None else _call(method, target, *args)

    def _ident_arg(self, children: list) -> Node:
        name = str(children[0])
        args = self._args(children[1] if len(children) > 1 else None)
        if name == "has":
            return self._has(args, children)
        function = FUNCTIONS.get(name)
        if function is None:
            raise ValidationFailed(f"Unknown function {name}().", field="condition")
        return _call(function, *args)

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



STRING_TESTS = {"contains": lambda text, part: part in text, "startsWith": str.startswith, "endsWith": str.endswith}


def _string_test(name: str, target: Node, args: list[Node]) -> Node | None:
    """``event.f.contains("x")`` and friends against a constant, in one closure."""
    test = STRING_TESTS.get(name)
    if test is None or len(args) != 1 or not getattr(args[0], "constant", False):
        return None
    needle = args[0](None)
    if type(needle) is not str:
        return None
    path = getattr(target, "path", None)
    read = (lambda e, f=path[0]: e.get(f, MISSING)) if path is not None and len(path) == 1 else target

    def string_test(e: dict) -> bool:
        text = read(e)
        if type(text) is not str:
            raise CelError("expected a string")
        return test(text, needle)

    return string_test


def _call(function: Callable[..., Any], *args: Node) -> Node:
    """A call node; one- and two-argument calls (nearly all of them) avoid building argument tuples."""
    if len(args) == 1:
        (first,) = args
        return lambda e: function(first(e))
    if len(args) == 2:
        first, second = args
        return lambda e: function(first(e), second(e))
    return lambda e: function(*[a(e) for a in args])


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
    path = getattr(left, "path", None)
    field_name = path[0] if path is not None and len(path) == 1 else None
    if field_name is not None:
        left = lambda e: e.get(field_name, MISSING)  # noqa: E731 - one dictionary lookup, inlined
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

        within.index = (field_name, AnyOf(members)) if field_name else None  # type: ignore[attr-defined]
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

    compare.index = (field_name, value) if field_name and equal and _hashable_value(value) else None  # type: ignore
    return compare


def _hashable_value(value: Any) -> bool:
    return isinstance(value, str | int | float) or value is None


def _flatten(node: Node, decisive: bool) -> list[Node]:
    operands = getattr(node, "junction", None)
    return list(operands) if operands is not None and node.decisive is decisive else [node]


def _junction(operands: tuple[Node, ...], decisive: bool) -> Node:
    """&& (decisive False) or || (decisive True) over operands, with CEL's error absorption."""
    if len(operands) == 2:
        return _pair(operands, decisive)

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


def _pair(operands: tuple[Node, Node], decisive: bool) -> Node:
    first, second = operands

    def run(e: dict) -> bool:
        try:
            left = first(e)
        except CelError:
            left = MISSING
        if left is decisive:
            return decisive
        right = second(e)
        if right is decisive:
            return decisive
        if left is MISSING or type(left) is not bool or type(right) is not bool:
            raise CelError("&& and || need booleans")
        return not decisive

    run.junction = operands  # type: ignore[attr-defined]
    run.decisive = decisive  # type: ignore[attr-defined]
    return run


class AnyOf(frozenset):
    """The literal alternatives of an ``in`` test, for indexing."""


def _constant(value: Any) -> Node:
    def constant(e: dict) -> Any:
        return value

    constant.constant = True  # type: ignore[attr-defined]
    return constant


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CelError("expected a boolean")
    return value


def _top_operands(node: Node) -> tuple[Node, ...]:
    return node.junction if getattr(node, "decisive", None) is False else (node,)


def equalities_of(node: Node) -> tuple[tuple[str, Any], ...]:
    """The top-level ``event.f == literal`` / ``event.f in [literals]`` conjuncts, in source order."""
    return tuple(op.index for op in _top_operands(node) if getattr(op, "index", None) is not None)


def residual_of(node: Node, field_name: str) -> Node:
    """The condition without its first conjunct on ``field_name``: what is left to check for an event
    already known (from an index) to satisfy that conjunct."""
    operands = list(_top_operands(node))
    for position, operand in enumerate(operands):
        if getattr(operand, "index", (None,))[0] == field_name:
            del operands[position]
            break
    if not operands:
        return _constant(True)
    return operands[0] if len(operands) == 1 else _junction(tuple(operands), False)
