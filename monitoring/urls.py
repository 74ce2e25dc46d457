from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("upload/", views.upload, name="upload"),
    path("checks/", views.check_list, name="check-list"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("datasets/", views.dataset_list, name="dataset-list"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("checks/<int:pk>/status.json", views.check_status, name="check-status"),
    path("checks/<int:pk>/report/", views.check_report, name="check-report"),
    path("datasets/<int:pk>/check/", views.check_create, name="check-create"),
    path("<str:name>/v<int:version>/", views.version_detail, name="version-detail"),
]
