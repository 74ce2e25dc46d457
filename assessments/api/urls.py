from rest_framework.routers import SimpleRouter

from assessments.api import views

app_name = "assessments-api"

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("assessments", views.AssessmentViewSet, basename="assessment")

urlpatterns = [*router.urls]
