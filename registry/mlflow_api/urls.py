"""Routes of the MLflow model-registry REST API, mounted at /api/2.0/mlflow/ (paths exactly as MLflow's)."""

from django.urls import path, re_path

from registry.mlflow_api import views

app_name = "mlflow"
urlpatterns = [
    path("registered-models/create", views.RegisteredModelCreate.as_view(), name="rm-create"),
    path("registered-models/get", views.RegisteredModelGet.as_view(), name="rm-get"),
    path("registered-models/search", views.RegisteredModelSearch.as_view(), name="rm-search"),
    path("registered-models/update", views.RegisteredModelUpdate.as_view(), name="rm-update"),
    path("registered-models/rename", views.RegisteredModelRename.as_view(), name="rm-rename"),
    path("registered-models/delete", views.RegisteredModelDelete.as_view(), name="rm-delete"),
    path("registered-models/set-tag", views.RegisteredModelSetTag.as_view(), name="rm-set-tag"),
    path("registered-models/delete-tag", views.RegisteredModelDeleteTag.as_view(), name="rm-delete-tag"),
    path("registered-models/get-latest-versions", views.GetLatestVersions.as_view(), name="rm-latest"),
    path("registered-models/alias", views.RegisteredModelAlias.as_view(), name="rm-alias"),
    path("model-versions/create", views.ModelVersionCreate.as_view(), name="mv-create"),
    path("model-versions/get", views.ModelVersionGet.as_view(), name="mv-get"),
    path("model-versions/search", views.ModelVersionSearch.as_view(), name="mv-search"),
    path("model-versions/update", views.ModelVersionUpdate.as_view(), name="mv-update"),
    path("model-versions/delete", views.ModelVersionDelete.as_view(), name="mv-delete"),
    path("model-versions/set-tag", views.ModelVersionSetTag.as_view(), name="mv-set-tag"),
    path("model-versions/delete-tag", views.ModelVersionDeleteTag.as_view(), name="mv-delete-tag"),
    path("model-versions/get-download-uri", views.ModelVersionDownloadUri.as_view(), name="mv-download-uri"),
    path("model-versions/transition-stage", views.ModelVersionTransitionStage.as_view(), name="mv-transition"),
    re_path(r"^.*$", views.EndpointNotFound.as_view(), name="not-found"),
]
