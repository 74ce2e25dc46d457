from django.urls import path
from rest_framework.routers import SimpleRouter

from registry.api import views

router = SimpleRouter()
router.register("models", views.ModelViewSet, basename="model")
router.register("versions", views.AllVersionsViewSet, basename="version-all")
router.register("promotion-requests", views.PromotionRequestViewSet, basename="promotion-request")
router.register("audit", views.AuditEventViewSet, basename="audit")
router.register("policies", views.PolicyViewSet, basename="policy")

version_list = views.VersionViewSet.as_view({"get": "list", "post": "create"})
version_detail = views.VersionViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})
version_card = views.VersionViewSet.as_view({"get": "card", "put": "card", "patch": "card"})
version_stage = views.VersionViewSet.as_view({"post": "stage"})
alias_list = views.AliasViewSet.as_view({"get": "list"})
alias_detail = views.AliasViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"})

urlpatterns = [
    path("models/<str:model_name>/versions/", version_list, name="model-version-list"),
    path("models/<str:model_name>/versions/<int:version>/", version_detail, name="model-version-detail"),
    path("models/<str:model_name>/versions/<int:version>/card/", version_card, name="model-version-card"),
    path("models/<str:model_name>/versions/<int:version>/stage/", version_stage, name="model-version-stage"),
    path("models/<str:model_name>/aliases/", alias_list, name="model-alias-list"),
    path("models/<str:model_name>/aliases/<str:alias>/", alias_detail, name="model-alias-detail"),
    *router.urls,
]
