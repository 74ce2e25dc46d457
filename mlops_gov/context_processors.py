from django.conf import settings

NAVIGATION = [
    ("Models", "registry:model-list"),
    ("Assessments", "assessments:assessment-list"),
    ("Monitoring", "monitoring:dashboard"),
    ("Reports", "reports:report-list"),
    ("Audit", "registry:audit-list"),
]


def navigation(request):
    return {"site_name": settings.MLOPS_GOV["SITE_NAME"], "navigation": NAVIGATION}
