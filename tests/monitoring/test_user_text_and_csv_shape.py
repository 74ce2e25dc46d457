"""Issue #13 points 6 and 9: user text never reaches matplotlib's math parser (a column named in its math syntax
crashed the check page and stripped the Monitoring section from the report), and a CSV whose rows do not fit its
header, or whose multi-line header repeats a name, is refused instead of being read shifted or renamed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import charts as assessment_charts
from monitoring import charts
from monitoring.domain import ingest
from monitoring.models import DriftCheck
from tests.monitoring.factories import make_frame

MATH = "$\\undefinedcommand{x}$"
LIMITS = ingest.Limits(max_bytes=5_000_000, max_rows=10_000, max_columns=50)


def test_monitoring_charts_draw_math_syntax_as_text():
    histogram = {"type": "histogram", "edges": [0.0, 1.0, 2.0], "reference": [0.5, 0.5], "current": [0.2, 0.8]}
    svg = charts.distribution_svg(MATH, histogram)
    assert "\\undefinedcommand{x}" in svg
    short = "$\\bad{x}$"  # category labels are cut at 14 characters: a short one reaches the tick labels whole
    categories = {"type": "categories", "categories": [short, "$x^2$"], "reference": [0.5, 0.5], "current": [0.9, 0.1]}
    svg = charts.distribution_svg("colour", categories)
    assert "\\bad{x}" in svg and "$x^2$" in svg


def test_chart_settings_do_not_leak_into_the_process():
    import matplotlib

    before = matplotlib.rcParams["text.parse_math"]
    charts.distribution_svg(MATH, {"type": "histogram", "edges": [0.0, 1.0], "reference": [1.0], "current": [1.0]})
    assert matplotlib.rcParams["text.parse_math"] == before


def test_assessment_charts_draw_math_syntax_as_text():
    svg = assessment_charts.radar_svg([MATH, "b", "c"], [0.5, 0.6, 0.7], title=MATH)
    assert "\\undefinedcommand{x}" in svg
    svg = assessment_charts.bars_svg([MATH], [0.4], title="$\\frac{1}{0}")
    assert "\\undefinedcommand{x}" in svg


@pytest.mark.django_db
def test_check_page_with_a_math_syntax_column_name(client, personas, version):
    from monitoring import services
    from tests.monitoring.factories import csv_bytes

    def frame(shift: float, seed: int):
        data = make_frame(300, shift=shift, seed=seed)
        return data.rename(columns={"age": MATH})

    services.dataset_upload(
        version=version,
        kind="reference",
        data=csv_bytes(frame(0.0, 1)),
        filename="ref.csv",
        actor=personas.scientist,
    )
    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(frame(2.0, 2)),
        filename="cur.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=check.pk)
    check = DriftCheck.objects.get(pk=check.pk)
    assert check.status == "succeeded", check.error
    assert check.columns.filter(column=MATH, detected=True).exists()
    client.force_login(personas.scientist)
    response = client.get(reverse("monitoring:check-detail", args=[check.pk]))
    assert response.status_code == 200
    assert "\\undefinedcommand{x}" in response.content.decode()


def read(data: bytes) -> ingest.Table:
    return ingest.read_table(data, filename="x.csv", limits=LIMITS)


@pytest.mark.parametrize(
    ("data", "line", "fields"),
    [
        (b"a,b\n1,2,3\n4\n", 2, 3),  # one field too many: pandas made the first column an index, shifting the rest
        (b"a,b\n1,2\n4\n", 3, 1),  # one short: pandas padded it with a blank
        (b'a,b\n1,"x\ny"\n5,6,7\n', 4, 3),  # the line number counts a quoted value's own line break
    ],
)
def test_ragged_csv_is_refused_naming_the_line(data, line, fields):
    with pytest.raises(ingest.IngestError, match=f"line {line} has {fields} field.* where the header has 2"):
        read(data)


def test_blank_lines_and_quoted_commas_are_still_fine():
    table = read(b'a,b\n1,"x, y"\n\n2,z\n')
    assert table.frame["b"].tolist() == ["x, y", "z"]


def test_duplicate_name_in_a_quoted_multi_line_header_is_refused():
    with pytest.raises(ingest.IngestError, match="Duplicate column names: a"):
        read(b'"a","note\nsecond line",a\n1,2,3\n')
    table = read(b'"a","note\nsecond line",b\n1,2,3\n')
    assert list(table.frame.columns) == ["a", "note\nsecond line", "b"]
