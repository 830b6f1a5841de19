from django.urls import path

from foodapp.census import views

app_name = "census"

urlpatterns = [
    path("census/", views.demo, name="demo"),
    path("census/batch/", views.batch, name="batch"),
    path("census/sample.csv", views.sample, name="sample"),
]
