"""The measured-maturity pages and the observed questionnaire at 390 px: nothing overflows the page sideways."""

from __future__ import annotations

import pytest

from assessments import services
from tests.fixtures.browser import login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_measured_pages_fit_a_phone(page, live_server, frameworks, version, personas):
    measurement = services.measurement_take(model=version.model)
    services.measurements_take_all(trigger="beat")
    draft = services.assessment_create(model=version.model, actor=personas.scientist)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "sam", "not-used-1234")
    for path in (
        f"/models/{version.model.name}/",
        "/assessments/measured/",
        f"/assessments/measured/{measurement.pk}/",
        f"/assessments/{draft.pk}/?dimension=governance",
    ):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    assert page.get_by_test_id("observed").count() == 6
