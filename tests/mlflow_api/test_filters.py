"""The MLflow search-filter parser: what the client sends parses; anything else is a clean FilterError."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.mlflow_api.filters import (
    MODEL_ATTRIBUTES,
    MODEL_ORDER_KEYS,
    VERSION_ATTRIBUTES,
    VERSION_ORDER_KEYS,
    Condition,
    FilterError,
    like_to_regex,
    parse_filter,
    parse_order_by,
)

PROMPT_CLAUSE = "tag.`mlflow.prompt.is_prompt` != 'true'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("name='x'", [Condition("attribute", "name", "=", "x")]),
        ('name = "x y"', [Condition("attribute", "name", "=", "x y")]),
        ("name LIKE 'fraud%'", [Condition("attribute", "name", "LIKE", "fraud%")]),
        ("name ilike '%Fraud%'", [Condition("attribute", "name", "ILIKE", "%Fraud%")]),
        ("attributes.name != 'a'", [Condition("attribute", "name", "!=", "a")]),
        (PROMPT_CLAUSE, [Condition("tag", "mlflow.prompt.is_prompt", "!=", "true")]),
        ("tags.team = 'risk'", [Condition("tag", "team", "=", "risk")]),
        ("tag.mlflow.prompt.is_prompt = 'true'", [Condition("tag", "mlflow.prompt.is_prompt", "=", "true")]),
        ("tag.`key with spaces` = 'v'", [Condition("tag", "key with spaces", "=", "v")]),
        ("name = 'it''s'", [Condition("attribute", "name", "=", "it's")]),
        (
            f"name LIKE 'fraud%' AND {PROMPT_CLAUSE}",
            [
                Condition("attribute", "name", "LIKE", "fraud%"),
                Condition("tag", "mlflow.prompt.is_prompt", "!=", "true"),
            ],
        ),
        (
            f"name = 'a' and tag.`x` LIKE 'y%' AND {PROMPT_CLAUSE}",
            [
                Condition("attribute", "name", "=", "a"),
                Condition("tag", "x", "LIKE", "y%"),
                Condition("tag", "mlflow.prompt.is_prompt", "!=", "true"),
            ],
        ),
    ],
)
def test_model_filters_parse(text, expected):
    assert parse_filter(text, MODEL_ATTRIBUTES) == expected


def test_version_filters_parse():
    parsed = parse_filter(
        "name='m' AND version_number >= 2 AND run_id IN ('a', 'b') AND source_path LIKE 's3://%'", VERSION_ATTRIBUTES
    )
    assert parsed == [
        Condition("attribute", "name", "=", "m"),
        Condition("attribute", "version_number", ">=", 2),
        Condition("attribute", "run_id", "IN", ("a", "b")),
        Condition("attribute", "source_path", "LIKE", "s3://%"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x' OR name = 'y'", "OR is not supported"),
        ("name = x", "quoted string"),
        ("name = 'x", "Unterminated"),
        ("description = 'x'", "Unsupported attribute 'description'"),
        ("name IN ('a')", "Operator IN is not supported for name"),
        ("name > 'a'", "Operator > is not supported"),
        ("name =", "ends early"),
        ("name 'x'", "comparison operator"),
        ("name = 'x' name = 'y'", "Expected AND"),
        ("run.id = 'x'", "Unknown entity 'run'"),
        ("name = 'x' ; DROP TABLE x", "Unexpected character ';'"),
        ("name NOT LIKE 'x'", "NOT ... is not supported"),
        ("x" * 5000, "longer than"),
    ],
)
def test_unsupported_filters_are_clean_errors(text, message):
    with pytest.raises(FilterError, match=re.escape(message)):
        parse_filter(text, MODEL_ATTRIBUTES)


def test_version_number_must_be_a_number():
    with pytest.raises(FilterError, match="whole number"):
        parse_filter("version_number = 'abc'", VERSION_ATTRIBUTES)


_ALPHABET = st.sampled_from([*"nametg.`'\"=!<>%_() ,ANDORLIKEIN0123456789-\\\x00é\n", "AND", " name ", "tag."])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_ALPHABET, max_size=40).map("".join)))
def test_parser_never_raises_anything_but_filter_error(text):
    for attributes in (MODEL_ATTRIBUTES, VERSION_ATTRIBUTES):
        try:
            result = parse_filter(text, attributes)
        except FilterError as exc:
            assert str(exc)
        else:
            assert all(isinstance(c, Condition) for c in result)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_like_to_regex_matches_like_semantics(pattern):
    regex = re.compile(like_to_regex(pattern), re.DOTALL)
    literal = pattern.replace("\\", "")
    if "%" not in pattern and "_" not in pattern and "\\" not in pattern:
        assert regex.match(literal)
        assert not regex.match(literal + "x")


def test_like_wildcards():
    assert re.match(like_to_regex("fraud%"), "fraud-detector")
    assert not re.match(like_to_regex("fraud%"), "Fraud-detector")
    assert re.match(like_to_regex("a_c"), "abc") and not re.match(like_to_regex("a_c"), "abbc")
    assert re.match(like_to_regex("50\\%"), "50%") and not re.match(like_to_regex("50\\%"), "500")
    assert re.match(like_to_regex("a.b"), "a.b") and not re.match(like_to_regex("a.b"), "axb")


def test_order_by():
    assert parse_order_by(["name DESC", "last_updated_timestamp"], MODEL_ORDER_KEYS) == [
        ("name", True),
        ("updated_at", False),
    ]
    assert parse_order_by(["version_number desc"], VERSION_ORDER_KEYS) == [("version", True)]
    for bad in (["owner ASC"], ["name SIDEWAYS"], ["name ASC extra"], ["name", "name DESC"], [""]):
        with pytest.raises(FilterError):
            parse_order_by(bad, MODEL_ORDER_KEYS)
