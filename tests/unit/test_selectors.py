"""Label selectors, read as Kubernetes reads them: its own test vectors (k8s.io/apimachinery,
pkg/labels/selector_test.go: TestSelectorParse, TestSetSelectorParser, TestSelectorMatches,
TestLexer), where we differ (no `<`/`>`, bounds), and our errors (where, and what was expected)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instance_api.domain.errors import Invalid
from instance_api.domain.selectors import (
    REQUIREMENTS_MAX,
    SELECTOR_MAX_LENGTH,
    VALUES_MAX,
    Requirement,
    Selector,
    parse,
)


def requirements(text: str) -> set[Requirement]:
    selector = parse(text)
    assert selector is not None
    return set(selector.requirements)


def refusal(text: str) -> str:
    with pytest.raises(Invalid) as caught:
        parse(text)
    assert [detail["field"] for detail in caught.value.details] == ["labelSelector"]
    return caught.value.message


def r(key: str, operator: str, *values: str) -> Requirement:
    return Requirement(key, operator, frozenset(values))  # type: ignore[arg-type]


# TestSetSelectorParser's valid cases (those without `<`/`>`), and what each holds.
KUBERNETES_PARSES = [
    ("\rx", {r("x", "exists")}),
    ("this-is-a-dns.domain.com/key-with-dash", {r("this-is-a-dns.domain.com/key-with-dash", "exists")}),
    (
        "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        {r("this-is-another-dns.domain.com/key-with-dash", "in", "so", "what")},
    ),
    (
        "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
        {r("0.1.2.domain/99", "notin", "10.10.100.1", "tick.tack.clock")},
    ),
    ("foo  in\t (abc)", {r("foo", "in", "abc")}),
    ("x notin\n (abc)", {r("x", "notin", "abc")}),
    ("x  notin\t\t\t(abc,def)", {r("x", "notin", "abc", "def")}),
    ("x in (abc,def)", {r("x", "in", "abc", "def")}),
    ("x in (abc,)", {r("x", "in", "abc", "")}),
    ("x in (abc,abc)", {r("x", "in", "abc")}),
    ("x in ()", {r("x", "in", "")}),
    ("x in (a,,)", {r("x", "in", "a", "")}),
    ("x in (a,,,,,,)", {r("x", "in", "a", "")}),
    ("x in (a,,a,,a,,a,,)", {r("x", "in", "a", "")}),
    (
        "x notin (abc,,def),bar,z in (),w",
        {r("bar", "exists"), r("w", "exists"), r("x", "notin", "abc", "", "def"), r("z", "in", "")},
    ),
    ("x,y in (a)", {r("y", "in", "a"), r("x", "exists")}),
    ("x=a", {r("x", "in", "a")}),
    ("x=a,y!=b", {r("x", "in", "a"), r("y", "notin", "b")}),
    ("x=a,y!=b,z in (h,i,j)", {r("x", "in", "a"), r("y", "notin", "b"), r("z", "in", "h", "i", "j")}),
]
# TestSelectorParse's good strings (those without `<`/`>`).
KUBERNETES_GOOD = ["x=a,y=b,z=c", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x"]
# TestSelectorParse's bad strings, TestSetSelectorParser's invalid ones, and ours.
BAD = [
    "x=a||y=b",
    "x==a==b",
    "!x=a",
    "x<a",
    "x=a,y=b,",
    "x in (a",
    "x in (a b)",
    "x (a)",
    "x=(a)",
    ",",
    "x,,y",
    ",x",
    "=",
    "=a",
    "!",
    "x in",
    "x notin",
    "a/b/c",
    "a/b/c=d",
    "é",
    "app=wéb",
    "x=" + "v" * 64,
    "x in (" + "v" * 64 + ")",
    "Bad_Key_=v",
]


@pytest.mark.parametrize(("text", "expected"), KUBERNETES_PARSES)
def test_given_kubernetes_own_selectors_when_parsing_then_they_hold_its_requirements(
    text: str, expected: set[Requirement]
) -> None:
    assert requirements(text) == expected


@pytest.mark.parametrize("text", KUBERNETES_GOOD)
def test_given_kubernetes_good_strings_when_parsing_then_each_is_a_selector(text: str) -> None:
    assert parse(text) is not None


@pytest.mark.parametrize("text", ["", " ", "\t\r\n "])
def test_given_an_empty_selector_when_parsing_then_it_selects_everything(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize("text", BAD)
def test_given_a_malformed_selector_when_parsing_then_it_is_invalid(text: str) -> None:
    assert refusal(text).startswith("labelSelector ")


@pytest.mark.parametrize(
    ("text", "labels", "matches"),
    [
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("x", {"x": "z"}, True),
        ("!x", {"y": "z"}, True),
        ("x=z", {}, False),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x", {"y": "z"}, False),
        ("!x", {"x": "z"}, False),
        ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
        ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
        # absent keys: != and notin hold, as in Kubernetes; = and in do not
        ("x!=y", {}, True),
        ("x notin (a,b)", {}, True),
        ("x in (a,b)", {}, False),
        ("x notin (a,b)", {"x": "a"}, False),
        ("x in (a,b)", {"x": "b"}, True),
        # the empty value is a value
        ("x=", {"x": ""}, True),
        ("x=", {}, False),
        ("x in ()", {"x": ""}, True),
        ("x in ()", {"x": "a"}, False),
        ("x!=", {"x": "a"}, True),
        ("x!=", {"x": ""}, False),
        # a key may repeat: both must hold
        ("x,x!=a", {"x": "b"}, True),
        ("x,x!=a", {"x": "a"}, False),
        ("in in (in)", {"in": "in"}, True),
        ("example.com/tier=front", {"example.com/tier": "front"}, True),
    ],
)
def test_given_a_selector_and_labels_when_matching_then_it_is_kubernetes_answer(
    text: str, labels: dict[str, str], matches: bool
) -> None:
    selector = parse(text)
    assert selector is not None
    assert selector.matches(labels) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,,b", "labelSelector at character 3: found ',', expected a label key or '!key' after ','"),
        ("a,", "labelSelector at character 3: found the end of the selector, expected a label key or '!key' after ','"),
        ("=", "labelSelector at character 1: found '=', expected a label key or '!key'"),
        ("a=b c", "labelSelector at character 5: found 'c', expected ',' or the end"),
        ("a in (b", "labelSelector at character 8: found the end of the selector, expected ',' or ')'"),
        ("a in b", "labelSelector at character 6: found 'b', expected '(' and the values"),
        (
            "!a=b",
            "labelSelector at character 3: found '=', expected ',' or the end after '!key' "
            "(to exclude a value, write key!=value)",
        ),
        (
            "a>1",
            "labelSelector at character 2: found '>', expected one of '=', '==', '!=', 'in', 'notin' "
            "('<' and '>' are not supported), ',' or the end",
        ),
        (
            "tier=web, a/b/c",
            "labelSelector at character 11: 'a/b/c' is not a valid label key: it must be a name with an "
            "optional DNS subdomain prefix and one '/' (e.g. 'example.com/tier')",
        ),
    ],
)
def test_given_a_malformed_selector_when_parsing_then_the_error_says_where_and_what_was_expected(
    text: str, message: str
) -> None:
    assert refusal(text) == message


def test_given_a_huge_value_when_parsing_then_the_echo_is_clipped() -> None:
    message = refusal("app=" + "v" * 3000)
    assert "…" in message
    assert len(message) < 300


def test_given_too_many_requirements_when_parsing_then_the_bound_is_said() -> None:
    assert parse(",".join(f"k{number}" for number in range(REQUIREMENTS_MAX))) is not None
    assert refusal(",".join(f"k{number}" for number in range(REQUIREMENTS_MAX + 1))) == (
        f"labelSelector must hold at most {REQUIREMENTS_MAX} requirements"
    )


def test_given_ten_thousand_requirements_when_parsing_then_the_length_is_refused_first() -> None:
    assert refusal(",".join(["a"] * 10_000)) == f"labelSelector must be at most {SELECTOR_MAX_LENGTH} characters"


def test_given_too_many_values_when_parsing_then_the_bound_counts_distinct_values() -> None:
    values = ",".join(f"v{number}" for number in range(VALUES_MAX))
    assert parse(f"a in ({values},v0,v1)") is not None
    assert refusal(f"a in ({values}),b=x") == f"labelSelector must hold at most {VALUES_MAX} distinct values in all"


def test_given_one_meaning_spelled_two_ways_when_comparing_then_the_canonical_form_and_digest_agree() -> None:
    first, second = parse("a=b, c , d notin (y,x)"), parse("d notin(x,y),c,a in (b)")
    assert first is not None
    assert second is not None
    assert first.canonical() == second.canonical() == "a in (b),c,d notin (x,y)"
    assert first.digest() == second.digest()
    other = parse("a=b,c")
    assert other is not None
    assert other.digest() != first.digest()


@given(st.text(alphabet=st.sampled_from("a=!(),<> \tin/.-_xé"), max_size=40))
def test_given_any_text_when_parsing_then_a_selector_or_invalid_never_another_error(text: str) -> None:
    try:
        selector = parse(text)
    except Invalid:
        return
    if selector is not None:
        again = parse(selector.canonical())
        assert again is not None
        assert again.canonical() == selector.canonical(), "the canonical form reads back"


@given(st.text(max_size=200))
def test_given_any_unicode_when_parsing_then_a_selector_or_invalid(text: str) -> None:
    try:
        selector = parse(text)
    except Invalid:
        return
    assert selector is None or isinstance(selector, Selector)
