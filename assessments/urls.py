from django.urls import path

from assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="assessment-list"),
    path("start/", views.assessment_start, name="assessment-start"),
    path("frameworks/", views.framework_list, name="framework-list"),
    path("frameworks/<slug:slug>/", views.framework_detail, name="framework-detail"),
    path("<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("<int:pk>/answer/", views.assessment_answer, name="assessment-answer"),
    path("<int:pk>/submit/", views.assessment_submit, name="assessment-submit"),
    path("<int:pk>/compare/", views.assessment_compare, name="assessment-compare"),
    path("<int:pk>/export.json", views.assessment_export_json, name="assessment-export-json"),
    path("<int:pk>/export.csv", views.assessment_export_csv, name="assessment-export-csv"),
    path("models/<str:name>/history/", views.model_history, name="model-history"),
    path("measured/", views.measured_overview, name="measured-overview"),
    path("measured/<int:pk>/", views.measurement_detail, name="measurement-detail"),
]
