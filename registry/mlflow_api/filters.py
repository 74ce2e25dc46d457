"""Parser of MLflow search filters (the ``filter`` argument of ``*/search``). Pure: no Django imports.

The stock client sends SQL-like conjunctions, e.g.::

    name = 'fraud' AND tag.`mlflow.prompt.is_prompt` != 'true'
    name LIKE 'fraud%' AND tags.team = "risk"
    name='x' AND version_number >= 2 AND run_id IN ('a', 'b')

``parse_filter`` returns a list of ``Condition`` (all ANDed) or raises ``FilterError`` (and nothing else) with a
message a user can act on. Which attributes and operators are allowed is given by the caller (``MODEL_ATTRIBUTES``,
``VERSION_ATTRIBUTES``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_FILTER_LENGTH = 4096
MAX_IN_VALUES = 1000

STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
NUMBER_OPS = frozenset({"=", "!=", "<", ">", "<=", ">="})
TAG_OPS = STRING_OPS

# attribute -> (value type, allowed operators)
MODEL_ATTRIBUTES: Mapping[str, tuple[str, frozenset[str]]] = {"name": ("string", STRING_OPS)}
VERSION_ATTRIBUTES: Mapping[str, tuple[str, frozenset[str]]] = {
    "name": ("string", STRING_OPS),
    "version_number": ("number", NUMBER_OPS),
    "run_id": ("string", frozenset({"=", "!=", "IN"})),
    "source_path": ("string", STRING_OPS),
}
_ATTRIBUTE_PREFIXES = ("attribute.", "attributes.", "attr.")
_TAG_PREFIXES = ("tag.", "tags.")


class FilterError(ValueError):
    """The filter cannot be parsed or uses something this server does not support."""


@dataclass(frozen=True)
class Condition:
    kind: str  # "attribute" or "tag"
    key: str
    op: str
    value: str | int | tuple[str, ...]


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, quoted_ident, string, number, op, lparen, rparen, comma, dot
    text: str
    pos: int


_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?[0-9]+")


def _read_quoted(text: str, start: int, quote: str) -> tuple[str, int]:
    """Read a quoted string starting at ``start`` (the opening quote); a doubled quote is a literal quote."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise FilterError(f"Unterminated quoted text starting at position {start}.")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in ("'", '"'):
            value, i2 = _read_quoted(text, i, ch)
            tokens.append(_Token("string", value, i))
            i = i2
            continue
        if ch == "`":
            value, i2 = _read_quoted(text, i, "`")
            tokens.append(_Token("quoted_ident", value, i))
            i = i2
            continue
        if ch == "(":
            tokens.append(_Token("lparen", ch, i))
            i += 1
            continue
        if ch == ")":
            tokens.append(_Token("rparen", ch, i))
            i += 1
            continue
        if ch == ",":
            tokens.append(_Token("comma", ch, i))
            i += 1
            continue
        if ch == ".":
            tokens.append(_Token("dot", ch, i))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(_Token("op", "!=" if op == "<>" else op, i))
            i += len(op)
            continue
        match = _NUMBER.match(text, i)
        if match and (ch != "-" or match.end() > i + 1):
            tokens.append(_Token("number", match.group(), i))
            i = match.end()
            continue
        match = _IDENT.match(text, i)
        if match:
            tokens.append(_Token("ident", match.group(), i))
            i = match.end()
            continue
        raise FilterError(f"Unexpected character {ch!r} at position {i}.")
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], attributes: Mapping[str, tuple[str, frozenset[str]]]):
        self.tokens = tokens
        self.i = 0
        self.attributes = attributes

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> _Token:
        token = self.peek()
        if token is None:
            raise FilterError(f"The filter ends early: expected {what}.")
        self.i += 1
        return token

    def parse(self) -> list[Condition]:
        conditions = [self.condition()]
        while self.peek() is not None:
            token = self.take("AND")
            if token.kind == "ident" and token.text.upper() == "AND":
                conditions.append(self.condition())
            elif token.kind == "ident" and token.text.upper() == "OR":
                raise FilterError("OR is not supported in MLflow search filters; use AND only.")
            else:
                raise FilterError(f"Expected AND at position {token.pos}, found {token.text!r}.")
        return conditions

    def key(self) -> tuple[str, str]:
        """Return (kind, key): kind is 'tag' or 'attribute'."""
        first = self.take("an attribute or tag.<key>")
        if first.kind == "quoted_ident":
            return self._attribute(first.text, first.pos)
        if first.kind != "ident":
            raise FilterError(f"Expected an attribute or tag.<key> at position {first.pos}, found {first.text!r}.")
        parts = [first.text]
        while (token := self.peek()) is not None and token.kind == "dot":
            self.i += 1
            nxt = self.take("a name after '.'")
            if nxt.kind not in ("ident", "quoted_ident", "string", "number"):
                raise FilterError(f"Expected a name after '.' at position {nxt.pos}.")
            parts.append(nxt.text)
            if nxt.kind in ("quoted_ident", "string"):
                break
        prefix = parts[0].lower() + "."
        if len(parts) > 1 and prefix in _TAG_PREFIXES:
            tag_key = ".".join(parts[1:])
            if not tag_key:
                raise FilterError(f"Empty tag key at position {first.pos}.")
            return "tag", tag_key
        if len(parts) > 1 and prefix in _ATTRIBUTE_PREFIXES:
            return self._attribute(".".join(parts[1:]), first.pos)
        if len(parts) > 1:
            raise FilterError(
                f"Unknown entity '{parts[0]}' at position {first.pos}; use tag.<key> or an attribute "
                f"({', '.join(sorted(self.attributes))})."
            )
        return self._attribute(parts[0], first.pos)

    def _attribute(self, name: str, pos: int) -> tuple[str, str]:
        if name not in self.attributes:
            raise FilterError(
                f"Unsupported attribute '{name}' at position {pos}; supported: "
                f"{', '.join(sorted(self.attributes))} and tag.<key>."
            )
        return "attribute", name

    def operator(self) -> str:
        token = self.take("a comparison operator")
        if token.kind == "op":
            return token.text
        if token.kind == "ident":
            word = token.text.upper()
            if word in ("LIKE", "ILIKE", "IN"):
                return word
            if word == "NOT":
                raise FilterError(f"NOT ... is not supported (position {token.pos}); use != instead.")
        raise FilterError(f"Expected a comparison operator at position {token.pos}, found {token.text!r}.")

    def condition(self) -> Condition:
        kind, key = self.key()
        op = self.operator()
        if kind == "tag":
            value_type, allowed = "string", TAG_OPS
        else:
            value_type, allowed = self.attributes[key]
        if op not in allowed:
            label = f"tag.{key}" if kind == "tag" else key
            raise FilterError(f"Operator {op} is not supported for {label}; use one of: {', '.join(sorted(allowed))}.")
        if op == "IN":
            return Condition(kind, key, op, self.value_list())
        token = self.take("a value")
        if value_type == "number":
            if token.kind == "number" or (token.kind == "string" and _NUMBER.fullmatch(token.text)):
                number = int(token.text)
                if not -(2**62) < number < 2**62:
                    raise FilterError(f"Number out of range at position {token.pos}.")
                return Condition(kind, key, op, number)
            raise FilterError(f"Expected a whole number for {key} at position {token.pos}, found {token.text!r}.")
        if token.kind != "string":
            raise FilterError(
                f"Expected a quoted string at position {token.pos}, found {token.text!r} "
                "(quote values: name = 'my-model')."
            )
        return Condition(kind, key, op, token.text)

    def value_list(self) -> tuple[str, ...]:
        opening = self.take("'('")
        if opening.kind != "lparen":
            raise FilterError(f"Expected '(' after IN at position {opening.pos}.")
        values: list[str] = []
        while True:
            token = self.take("a quoted string")
            if token.kind != "string":
                raise FilterError(f"Expected a quoted string in the IN list at position {token.pos}.")
            values.append(token.text)
            if len(values) > MAX_IN_VALUES:
                raise FilterError(f"An IN list may hold at most {MAX_IN_VALUES} values.")
            sep = self.take("',' or ')'")
            if sep.kind == "rparen":
                return tuple(values)
            if sep.kind != "comma":
                raise FilterError(f"Expected ',' or ')' at position {sep.pos}.")


def parse_filter(text: str | None, attributes: Mapping[str, tuple[str, frozenset[str]]]) -> list[Condition]:
    """Parse an MLflow filter string; an empty filter means no condition."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise FilterError("The filter must be a string.")
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if "\x00" in text:
        raise FilterError("The filter contains a NUL character.")
    if not text.strip():
        return []
    return _Parser(_tokenize(text), attributes).parse()


def like_to_regex(pattern: str) -> str:
    """Translate a SQL LIKE pattern (``%`` any run, ``_`` one character, ``\\`` escapes) to an anchored regex."""
    out: list[str] = ["^"]
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)


# --- order_by -------------------------------------------------------------------------------------------------------

MODEL_ORDER_KEYS = {
    "name": "name",
    "timestamp": "updated_at",
    "last_updated_timestamp": "updated_at",
    "creation_timestamp": "created_at",
}
VERSION_ORDER_KEYS = {
    "name": "model__name",
    "version_number": "version",
    "creation_timestamp": "created_at",
    "timestamp": "updated_at",
    "last_updated_timestamp": "updated_at",
}


def parse_order_by(clauses: list[str], allowed: Mapping[str, str]) -> list[tuple[str, bool]]:
    """Parse ``["name ASC", "version_number DESC"]`` to ``[(field, descending)]`` (field from ``allowed``)."""
    result: list[tuple[str, bool]] = []
    if len(clauses) > 10:
        raise FilterError("At most 10 order_by clauses are supported.")
    for clause in clauses:
        if not isinstance(clause, str):
            raise FilterError("Each order_by clause must be a string.")
        words = clause.split()
        if not words or len(words) > 2:
            raise FilterError(f"Invalid order_by clause {clause!r}; use '<key> [ASC|DESC]'.")
        key = words[0]
        for prefix in _ATTRIBUTE_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix) :]
        if key not in allowed:
            raise FilterError(f"Invalid order_by key {words[0]!r}; supported: {', '.join(sorted(allowed))}.")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise FilterError(f"Invalid order_by direction {words[1]!r}; use ASC or DESC.")
        field = allowed[key]
        if any(existing == field for existing, _ in result):
            raise FilterError(f"order_by names {key!r} twice.")
        result.append((field, direction == "DESC"))
    return result
