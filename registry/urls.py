from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.model_list, name="model-list"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify_page, name="audit-verify"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("<str:name>/", views.model_detail, name="model-detail"),
    path("<str:name>/versions/<int:version>/request-promotion/", views.request_create, name="request-create"),
]
