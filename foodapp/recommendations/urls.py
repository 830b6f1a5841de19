from django.urls import path

from foodapp.recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("storyline/", views.storyline, name="storyline"),
]
