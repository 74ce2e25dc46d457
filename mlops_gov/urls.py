from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from mlops_gov import health, views
from mlops_gov.api.schema_view import SchemaView
from notifications import views as notification_views

admin.site.site_header = "mlops-gov administration"
admin.site.site_title = "mlops-gov admin"
admin.site.index_title = "Governance of production ML models"

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", views.create_token, name="api-token"),
    path("me/", views.me, name="api-me"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", views.same_origin_only(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", views.same_origin_only(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("", include("registry.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("monitoring.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("profile/", notification_views.profile, name="profile"),
    path("language/", views.language_switch, name="language-switch"),
    path("login/", auth_views.LoginView.as_view(template_name="auth/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/2.0/mlflow/", include("registry.mlflow_api.urls")),
    path("models/", include("registry.urls")),
    path("assessments/", include("assessments.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("reports/", include("reports.urls")),
]

# 403, 404 and 429 render the site's templates (403.html, 404.html; axes renders 429.html); 500 without the database.
handler500 = "mlops_gov.views.server_error"
