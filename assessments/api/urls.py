from rest_framework.routers import SimpleRouter

from assessments.api import views

app_name = "assessments-api"

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("measurements", views.MeasurementViewSet, basename="measurement")

urlpatterns = [*router.urls]
