from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.model_list, name="model-list"),
    path("new/", views.model_create, name="model-create"),
    path("approvals/", views.approvals_inbox, name="approvals"),
    path("requests/", views.request_list, name="request-list"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<int:pk>/recheck/", views.request_recheck, name="request-recheck"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify_page, name="audit-verify"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("<str:name>/", views.model_detail, name="model-detail"),
    path("<str:name>/edit/", views.model_edit, name="model-edit"),
    path("<str:name>/delete/", views.model_delete, name="model-delete"),
    path("<str:name>/aliases/<str:alias>/remove/", views.alias_remove, name="alias-remove"),
    path("<str:name>/versions/new/", views.version_create, name="version-create"),
    path("<str:name>/versions/<int:version>/", views.version_detail, name="version-detail"),
    path("<str:name>/versions/<int:version>/edit/", views.version_edit, name="version-edit"),
    path("<str:name>/versions/<int:version>/delete/", views.version_delete, name="version-delete"),
    path("<str:name>/versions/<int:version>/card/", views.card_edit, name="card-edit"),
    path("<str:name>/versions/<int:version>/stage/", views.stage_move, name="stage-move"),
    path("<str:name>/versions/<int:version>/alias/", views.alias_set, name="alias-set"),
    path("<str:name>/versions/<int:version>/alias-request/", views.alias_request, name="alias-request"),
    path("<str:name>/versions/<int:version>/request-promotion/", views.request_create, name="request-create"),
]
