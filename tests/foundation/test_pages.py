import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["scientist", "engineer", "approver", "auditor"])
def test_each_role_sees_the_dashboard_with_navigation(client, personas, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Models", "Assessments", "Monitoring", "Reports", "Audit"):
        assert f">{label}</a>" in html
    assert "Registered models" in html


@pytest.mark.django_db
def test_login_page_uses_local_static_assets_only(client):
    html = client.get(reverse("login")).content.decode()
    assert "/static/vendor/pico/pico.min.css" in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.django_db
def test_admin_is_branded_and_reachable(client, personas):
    client.force_login(personas.admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "mlops-gov administration" in response.content.decode()


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures(client, personas):
    for _ in range(5):
        client.post(reverse("login"), {"username": "sam", "password": "wrong-password"})
    locked = client.post(reverse("login"), {"username": "sam", "password": "not-used-1234"})
    assert locked.status_code == 429


@pytest.mark.django_db
def test_login_with_the_right_password_reaches_the_dashboard(client, personas):
    response = client.post(reverse("login"), {"username": "sam", "password": "not-used-1234"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
