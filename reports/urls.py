from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report-list"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("<int:pk>/download/", views.report_download, name="report-download"),
    path("portfolio/", views.portfolio_preview, name="portfolio-preview"),
    path("portfolio.pdf", views.portfolio_pdf, name="portfolio-pdf"),
    path("portfolio/generate/", views.portfolio_generate, name="portfolio-generate"),
    path("models/<str:name>/", views.model_preview, name="model-preview"),
    path("models/<str:name>/report.pdf", views.model_pdf, name="model-pdf"),
    path("models/<str:name>/generate/", views.model_generate, name="model-generate"),
]
