import json

import pytest

from monitoring.models import MonitoringConfig
from registry import services as registry_services


@pytest.mark.django_db
def test_an_invalid_drift_config_in_the_admin_is_shown_on_the_form_and_not_saved(client, personas):
    model = registry_services.model_create(actor=personas.scientist, name="admin-config", team=personas.team)
    config = MonitoringConfig.objects.create(model=model, drift_config={"drift_share": 0.3})
    client.force_login(personas.admin)
    url = f"/admin/monitoring/monitoringconfig/{config.pk}/change/"
    form = {
        "model": model.pk,
        "drift_config": json.dumps({"stattest": "no-such-test"}),
        "quality_thresholds": "{}",
        "check_on_upload": "on",
        "stale_after_hours": "48",
    }
    response = client.post(url, form)
    assert response.status_code == 200  # the form comes back with the error, no redirect to "saved"
    assert "Invalid drift configuration" in response.content.decode()
    config.refresh_from_db()
    assert config.drift_config == {"drift_share": 0.3}

    form["drift_config"] = json.dumps({"drift_share": 0.4})
    saved = client.post(url, form)
    assert saved.status_code == 302
    config.refresh_from_db()
    assert config.drift_config["drift_share"] == 0.4
