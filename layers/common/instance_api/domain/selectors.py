"""Label selectors: `labelSelector=tier=web,env in (prod,staging),!legacy` parsed into
requirements, and whether an instance's labels meet them all.

The grammar and its reading are Kubernetes' (k8s.io/apimachinery, pkg/labels/selector.go:
the Lexer and Parser behind `labels.Parse`, which kubectl's `-l` uses):

    selector    := requirement ("," requirement)*   (empty: every instance)
    requirement := ["!"] KEY
                 | KEY ("=" | "==" | "!=") VALUE
                 | KEY ("in" | "notin") "(" VALUE ("," VALUE)* ")"

- Whitespace (space, tab, CR, LF) may stand between any two tokens and ends a key or value;
  `=`, `!`, `(`, `)`, `,`, `<`, `>` always end one. `==` and `!=` are read before `=` and `!`.
- `in` and `notin` are operators after a key, and a key or value anywhere else (`in in (in)`).
- An empty value is a value: `k=` selects the empty value, `k in (a,)` and `k in ()` hold it.
- Keys and values follow the label rules (domain/rules.py); a key may repeat, all must hold.
- `k!=v` and `k notin (...)` hold when `k` is absent, as in Kubernetes.

Where this differs from Kubernetes: `<` and `>` (Gt, Lt) are not operators here (the contract
names the others only), a selector is bounded (SELECTOR_MAX_LENGTH characters,
REQUIREMENTS_MAX requirements, VALUES_MAX values in all: what one DynamoDB filter can say),
and every error names the character it stopped at and what it expected there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple

from instance_api.domain.errors import Invalid, clip
from instance_api.domain.instance import Labels
from instance_api.domain.rules import label_key_problem, label_value_problem

FIELD = "labelSelector"
SELECTOR_MAX_LENGTH = 4096
REQUIREMENTS_MAX = 32
# DynamoDB takes at most 100 operands for one IN; these bound all of a selector's values.
VALUES_MAX = 100

# What a requirement asks of a key: `=`/`==` are `in` with one value, `!=` is `notin`.
Operator = Literal["in", "notin", "exists", "!"]

_WHITESPACE = frozenset(" \t\r\n")
_SYMBOLS = frozenset("=!(),<>")
_KEYWORDS = frozenset({"in", "notin"})
_END = "end"
_WORD = "word"


class _Token(NamedTuple):
    kind: str  # a symbol ("=", "==", "!=", "(", ...), a keyword, _WORD or _END
    text: str
    position: int  # where it starts, 0-based

    @property
    def shown(self) -> str:
        return "the end of the selector" if self.kind == _END else repr(clip(self.text))


def _tokens(text: str) -> Iterator[_Token]:
    """apimachinery's Lexer: symbols (the longest of `==`, `!=` or one character), keywords, words."""
    at, length = 0, len(text)
    while True:
        while at < length and text[at] in _WHITESPACE:
            at += 1
        if at == length:
            yield _Token(_END, "", at)
            return
        if text[at] in _SYMBOLS:
            symbol = text[at : at + 2] if text[at : at + 2] in ("==", "!=") else text[at]
            yield _Token(symbol, symbol, at)
            at += len(symbol)
            continue
        start = at
        while at < length and text[at] not in _SYMBOLS and text[at] not in _WHITESPACE:
            at += 1
        word = text[start:at]
        yield _Token(word if word in _KEYWORDS else _WORD, word, start)


class Requirement(NamedTuple):
    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Labels) -> bool:
        if self.operator == "exists":
            return self.key in labels
        if self.operator == "!":
            return self.key not in labels
        if self.operator == "in":
            return self.key in labels and labels[self.key] in self.values
        return self.key not in labels or labels[self.key] not in self.values

    def __str__(self) -> str:
        values = ",".join(sorted(self.values))
        return {"exists": self.key, "!": f"!{self.key}"}.get(self.operator, f"{self.key} {self.operator} ({values})")


class Selector(NamedTuple):
    """Requirements that must all hold; none selects every instance."""

    requirements: tuple[Requirement, ...]

    def matches(self, labels: Labels) -> bool:
        return all(requirement.matches(labels) for requirement in self.requirements)

    def canonical(self) -> str:
        """One spelling per meaning up to order and whitespace (`a=b, c` and `c,a in (b)` alike)."""
        return ",".join(sorted({str(requirement) for requirement in self.requirements}))

    def digest(self) -> str:
        """What a page token is bound to: a short hash of the canonical form (a token never grows
        with the selector)."""
        import hashlib  # a selected listing's, not every cold start's

        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()[:32]


def _refused(token: _Token, expected: str) -> Invalid:
    return Invalid.field(FIELD, f"at character {token.position + 1}: found {token.shown}, expected {expected}")


class _Parser:
    """apimachinery's Parser, one requirement at a time, over the tokens of one selector."""

    def __init__(self, text: str) -> None:
        self._tokens = _tokens(text)
        self._next = next(self._tokens)

    def peek(self) -> _Token:
        return self._next

    def take(self) -> _Token:
        token, self._next = self._next, next(self._tokens, self._next)
        return token

    def word(self, expected: str) -> _Token:
        """A key or a value: `in` and `notin` are words here."""
        token = self.take()
        if token.kind not in (_WORD, *_KEYWORDS):
            raise _refused(token, expected)
        return token

    def key(self) -> str:
        token = self.word("a label key")
        if problem := label_key_problem(token.text):
            raise Invalid.field(
                FIELD, f"at character {token.position + 1}: {token.shown} is not a valid label key: it {problem}"
            )
        return token.text

    def value(self, token: _Token) -> str:
        if problem := label_value_problem(token.text):
            raise Invalid.field(
                FIELD, f"at character {token.position + 1}: {token.shown} is not a valid label value: it {problem}"
            )
        return token.text

    def requirement(self) -> Requirement:
        if self.peek().kind == "!":
            self.take()
            key = self.key()
            if self.peek().kind not in (",", _END):
                raise _refused(self.peek(), "',' or the end after '!key' (to exclude a value, write key!=value)")
            return Requirement(key, "!")
        key = self.key()
        if self.peek().kind in (",", _END):
            return Requirement(key, "exists")
        operator = self.take()
        if operator.kind in ("=", "==", "!="):
            return Requirement(key, "notin" if operator.kind == "!=" else "in", frozenset({self.exact_value()}))
        if operator.kind in _KEYWORDS:
            return Requirement(key, "in" if operator.kind == "in" else "notin", self.value_set())
        raise _refused(
            operator, "one of '=', '==', '!=', 'in', 'notin' ('<' and '>' are not supported), ',' or the end"
        )

    def exact_value(self) -> str:
        """The value after `=`, `==` or `!=`: nothing before a ',' or the end is the empty value."""
        if self.peek().kind in (",", _END):
            return self.value(_Token(_WORD, "", self.peek().position))
        return self.value(self.word("a label value"))

    def value_set(self) -> frozenset[str]:
        """`(a,b)`; an empty entry (`(a,)`, `(,a)`, `()`) is the empty value, as in Kubernetes."""
        opening = self.take()
        if opening.kind != "(":
            raise _refused(opening, "'(' and the values")
        values: set[str] = set()
        while True:
            token = self.peek()
            if token.kind in (",", ")"):
                values.add(self.value(_Token(_WORD, "", token.position)))
            else:
                values.add(self.value(self.word("a label value, ',' or ')'")))
            closing = self.take()
            if closing.kind == ")":
                return frozenset(values)
            if closing.kind != ",":
                raise _refused(closing, "',' or ')'")


_STARTS = frozenset({_WORD, "!", *_KEYWORDS})


def parse(text: str) -> Selector | None:
    """The selector `text` says; None when it says nothing (empty or whitespace): every instance."""
    if len(text) > SELECTOR_MAX_LENGTH:
        raise Invalid.field(FIELD, f"must be at most {SELECTOR_MAX_LENGTH} characters")
    parser = _Parser(text)
    if parser.peek().kind == _END:
        return None
    requirements: list[Requirement] = []
    values = 0
    while True:
        if parser.peek().kind not in _STARTS:
            raise _refused(parser.peek(), "a label key or '!key'" + (" after ','" if requirements else ""))
        requirements.append(parser.requirement())
        values += len(requirements[-1].values)
        if len(requirements) > REQUIREMENTS_MAX:
            raise Invalid.field(FIELD, f"must hold at most {REQUIREMENTS_MAX} requirements")
        if values > VALUES_MAX:
            raise Invalid.field(FIELD, f"must hold at most {VALUES_MAX} distinct values in all")
        after = parser.take()
        if after.kind == _END:
            return Selector(tuple(requirements))
        if after.kind != ",":
            raise _refused(after, "',' or the end")
