"""Source URIs: traversal in every spelling and disallowed schemes are refused (a corpus plus a property)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.domain.uris import InvalidSourceUri, validate_source_uri

ALLOWED = ["s3", "gs", "wasbs", "abfss", "https", "models", "runs", "hdfs", "dbfs"]

TRAVERSAL = [
    "s3://bucket/../etc/passwd",
    "s3://bucket/a/../../b",
    "s3://bucket/..",
    "s3://bucket/a/..",
    "s3://bucket/./a",
    "s3://bucket/a/..\\b",
    "s3://bucket/a\\..\\b",
    "s3://bucket/%2e%2e/secret",
    "s3://bucket/%2E%2E/secret",
    "s3://bucket/.%2e/secret",
    "s3://bucket/%2e./secret",
    "s3://bucket/%2e%2e%2fsecret",
    "s3://bucket/a%2f..%2fsecret",
    "s3://bucket/a%2F%2E%2E%2Fsecret",
    "s3://bucket/%252e%252e/secret",
    "s3://bucket/%25252e%25252e/secret",
    "s3://bucket/%2e%2e%5csecret",
    "s3://bucket/a%5c..%5csecret",
    "s3://bucket/..;/secret",
    "s3://bucket/..;jsessionid=1/secret",
    "s3://bucket/a/..;x=y",
    "s3://bucket/a?../../etc/passwd",
    "s3://bucket/a?x=../../etc",
    "s3://bucket/a#../../etc/passwd",
    "s3://bucket/a#%2e%2e/etc",
    "https://host/a/../../admin",
    "https://host/%2e%2e/%2e%2e/admin",
    "gs://bucket/.. /x",
    "gs://bucket/ ../x",
    "gs://bucket/... /x",
    "models://name/../other",
    "runs://abc/../../def",
    "hdfs://nn/a/../../b",
    "dbfs:/a/../b",
    "s3://bucket/a/%00/../b",
    "s3://bucket/a%00.skops",
    "s3://bucket/a\x00b",
    "s3://bucket/a\nb",
    "s3://bucket/a%0ab",
    "s3://bucket/a%0d%0ab",
    "s3://bucket/a\tb",
    "s3://bucket/\u2025/x",  # two-dot leader is not '..' but must not crash
]
TRAVERSAL_REFUSED = [uri for uri in TRAVERSAL if "\u2025" not in uri]

BAD_SCHEMES = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    "file:/etc/passwd",
    "/etc/passwd",
    "etc/passwd",
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "C:\\Windows\\system32",
    "c:/windows/system32",
    "\\\\server\\share\\model",
    "//server/share/model",
    "http://example.org/model",
    "ftp://example.org/model",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "gopher://x/1",
    "jar:file:///x!/y",
    "s3+file:///etc",
    "%66ile:///etc/passwd",
    " s3://bucket/x",
    "s3://bucket/x ",
    "",
    "   ",
    "s3:",
    "s3://",
    "https:///path-without-host",
    "s3://user:pass@bucket/x",
    "https://user@host/x",
]


@pytest.mark.parametrize("uri", TRAVERSAL_REFUSED)
def test_traversal_refused(uri):
    with pytest.raises(InvalidSourceUri):
        validate_source_uri(uri, allowed_schemes=ALLOWED)


@pytest.mark.parametrize("uri", BAD_SCHEMES)
def test_bad_scheme_or_form_refused(uri):
    with pytest.raises(InvalidSourceUri):
        validate_source_uri(uri, allowed_schemes=ALLOWED)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://bucket/models/credit/v3/model.skops",
        "S3://bucket/models/x",
        "gs://bucket/a.b/c..d/model",
        "https://artifacts.example.org/models/1/model.onnx",
        "models:/credit-scoring/3",
        "runs:/0123abcd/model",
        "s3://bucket/a%20b/model",
        "s3://bucket/..hidden-name-is-not-traversal",
        "dbfs:/mnt/models/x",
    ],
)
def test_good_uris_accepted(uri):
    assert validate_source_uri(uri, allowed_schemes=ALLOWED) == uri


def test_too_long_and_too_encoded():
    with pytest.raises(InvalidSourceUri, match="longer"):
        validate_source_uri("s3://b/" + "a" * 3000, allowed_schemes=ALLOWED)
    nested = ".."
    for _ in range(8):
        nested = nested.replace("%", "%25").replace(".", "%2e")
    with pytest.raises(InvalidSourceUri):
        validate_source_uri(f"s3://b/{nested}/x", allowed_schemes=ALLOWED)


def test_error_names_allowed_schemes():
    with pytest.raises(InvalidSourceUri, match=r"allowed: .*s3"):
        validate_source_uri("file:///etc/passwd", allowed_schemes=ALLOWED)


def _encodings(segment: str) -> list[str]:
    once = "".join(f"%{ord(c):02x}" for c in segment)
    return [segment, once, once.upper(), once.replace("%", "%25"), segment.replace(".", "%2e", 1)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    prefix=st.lists(st.from_regex(r"[a-z0-9_-]{1,8}", fullmatch=True), max_size=3),
    suffix=st.lists(st.from_regex(r"[a-z0-9_-]{1,8}", fullmatch=True), max_size=3),
    separator=st.sampled_from(["/", "\\", "%2f", "%2F", "%5c", "%252f"]),
    encoding=st.integers(min_value=0, max_value=4),
    params=st.sampled_from(["", ";", ";x=1"]),
    scheme=st.sampled_from(ALLOWED),
)
def test_property_any_dotdot_segment_is_refused(prefix, suffix, separator, encoding, params, scheme):
    dotdot = _encodings("..")[encoding] + params
    path = separator.join([*prefix, dotdot, *suffix])
    with pytest.raises(InvalidSourceUri):
        validate_source_uri(f"{scheme}://bucket/{path}", allowed_schemes=ALLOWED)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_property_accepted_uris_never_climb_out(text):
    """For any string: either refused with InvalidSourceUri (never another error), or free of any '..' segment in
    every decoding, with an allowed scheme."""
    from urllib.parse import unquote, urlsplit

    try:
        uri = validate_source_uri(text, allowed_schemes=ALLOWED)
    except InvalidSourceUri:
        return
    decoded = uri
    for _ in range(6):
        decoded = unquote(decoded)
    assert urlsplit(uri).scheme.lower() in ALLOWED
    segments = decoded.replace("\\", "/").split("/")
    assert ".." not in [s.split(";")[0].strip() for s in segments]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("./\\%2eEfF5c;?#a")), min_size=1, max_size=40))
def test_property_dot_soup_never_yields_traversal(text):
    try:
        uri = validate_source_uri("s3://bucket/" + text, allowed_schemes=ALLOWED)
    except InvalidSourceUri:
        return
    from urllib.parse import unquote

    decoded = uri
    for _ in range(6):
        decoded = unquote(decoded)
    assert ".." not in [s.split(";")[0].strip() for s in decoded.replace("\\", "/").split("/")]


@pytest.mark.parametrize("uri", ["s3://bucket/../x", "file:///etc/passwd", "s3://bucket/%252e%252e/x"])
def test_api_refuses_bad_source_with_400(personas, api, model, uri):
    response = api(personas.scientist).post(f"/api/v1/models/{model.name}/versions/", {"source_uri": uri})
    assert response.status_code == 400
    assert "source_uri" in response.json()
    assert not model.versions.exists()
