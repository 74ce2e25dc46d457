from rest_framework.routers import SimpleRouter

from reports.api import views

app_name = "reports-api"
router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")
urlpatterns = router.urls
