app_name = "assessments-api"
urlpatterns: list = []
