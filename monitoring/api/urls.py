from django.urls import path
from rest_framework.routers import SimpleRouter

from monitoring.api import views

app_name = "monitoring-api"

router = SimpleRouter()
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("dataset-imports", views.DatasetImportViewSet, basename="dataset-import")
router.register("drift-checks", views.DriftCheckViewSet, basename="drift-check")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("deliveries", views.DeliveryViewSet, basename="delivery")
router.register("webhook-endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("alert-rules", views.AlertRuleViewSet, basename="alert-rule")

config_detail = views.ConfigViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("monitoring-configs/<str:model_name>/", config_detail, name="monitoring-config-detail"),
    *router.urls,
]
