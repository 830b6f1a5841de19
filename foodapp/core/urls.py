from django.urls import path

from foodapp.core import views
from foodapp.core.metrics import metrics_view

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]
