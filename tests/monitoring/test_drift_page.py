"""The drift result page: drifted columns first by how far past their threshold, a preview per row, a sentence
that explains the dataset verdict, durations people read, and Evidently's report behind a 'building' page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from monitoring.models import DriftCheck
from monitoring.selectors import drift_strength, verdict_sentence
from tests.monitoring.factories import make_frame

pytestmark = pytest.mark.django_db


def _page(client, user, check) -> str:
    client.force_login(user)
    return client.get(reverse("monitoring:check-detail", args=[check.pk])).content.decode()


def test_drift_strength_reads_p_values_and_distances_the_right_way_round():
    assert drift_strength("K-S p_value", 0.001, 0.05) > drift_strength("K-S p_value", 0.01, 0.05) > 1
    assert drift_strength("K-S p_value", 0.5, 0.05) < 1
    assert drift_strength("Wasserstein distance (normed)", 0.4, 0.1) > drift_strength(
        "Jensen-Shannon distance", 0.2, 0.1
    )


def test_columns_are_listed_drifted_first_by_strength_each_with_a_preview(client, personas, version, reference, upload):
    upload(version, make_frame(300, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    results = list(check.columns.all())
    html = _page(client, personas.auditor, check)
    listed = re.findall(r'<tr data-column="([^"]+)">', html)
    expected = sorted(results, key=lambda c: (not c.detected, -drift_strength(c.method, c.score, c.threshold)))
    assert listed == [c.column for c in expected]
    drifted = [c for c in results if c.detected]
    assert drifted and listed[: len(drifted)] == [c.column for c in expected if c.detected]
    table = html.split('data-testid="column-table"', 1)[1].split("</table>", 1)[0]
    assert table.count('<td class="spark"><svg') == len(results)
    assert 'role="img" aria-label="Distribution of age' in table


def test_the_verdict_is_explained_with_the_rule_the_count_and_the_drifted_names(
    client, personas, version, reference, upload
):
    upload(version, make_frame(300, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    html = _page(client, personas.auditor, check)
    sentence = html.split('data-testid="verdict-sentence">', 1)[1].split("</span>", 1)[0]
    drifted = [
        c.column
        for c in sorted(
            check.columns.all(), key=lambda c: (not c.detected, -drift_strength(c.method, c.score, c.threshold))
        )
        if c.detected
    ]
    assert sentence.startswith(f"Dataset drift when at least {check.drift_share_threshold:.0%} of the columns drift; ")
    assert f"{check.drifted_count} of {check.column_count} drifted" in sentence
    assert ", ".join(drifted) in sentence


def test_no_drift_verdict_says_the_share_was_not_reached(version, reference, upload, personas):
    upload(version, make_frame(300, seed=2))
    check = DriftCheck.objects.get()
    check.drifted_count, check.column_count, check.drift_share, check.dataset_drift = 1, 4, 0.25, False
    text = verdict_sentence(check, ["city"])
    assert text == (
        f"Dataset drift when at least {check.drift_share_threshold:.0%} of the columns drift; "
        "1 of 4 drifted (25%): city — below the share, so no dataset drift."
    )


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.043, "43 ms"), (0.9996, "1000 ms"), (4.25, "4.2 s"), (185, "3 min 5 s")]
)
def test_durations_are_shown_in_ms_under_a_second(client, personas, version, reference, upload, seconds, shown):
    upload(version, make_frame(300, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    DriftCheck.objects.filter(pk=check.pk).update(finished_at=check.started_at + timedelta(seconds=seconds))
    html = _page(client, personas.auditor, check)
    assert f'<span data-testid="duration">{shown}</span>' in html


def test_evidently_link_opens_a_building_page_at_once(client, personas, version, reference, upload):
    upload(version, make_frame(300, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    client.force_login(personas.auditor)
    page = client.get(reverse("monitoring:check-report", args=[check.pk]))
    html = page.content.decode()
    assert page.status_code == 202 and "Building Evidently" in html and 'data-build-url="?build=1"' in html
    assert 'role="status"' in html
    assert client.get(reverse("monitoring:check-report", args=[check.pk]), {"build": "1"}).status_code == 200
    assert client.get(reverse("monitoring:check-report", args=[check.pk])).status_code == 200  # cached now


def test_a_long_column_name_is_wrapped_in_the_chart_title_not_cut(personas, version):
    from monitoring import charts

    name = "average_monthly_balance_of_the_customer_over_the_last_twelve_months"
    svg = charts.distribution_svg(
        name, {"type": "histogram", "edges": [0, 1, 2], "reference": [0.5, 0.5], "current": [0.2, 0.8]}
    )
    text = "".join(re.findall(r">([^<>]+)</text>", svg))
    assert "average_monthly_balance_of_the_customer" in text and "over_the_last_twelve_months" in text
