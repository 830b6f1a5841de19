from django.urls import URLPattern, URLResolver, path

from foodapp.catalog import views

app_name = "catalog"

urlpatterns: list[URLPattern | URLResolver] = [
    path("dishes/", views.dish_list_page, name="dish-list"),
    path("dishes/<slug:slug>/", views.dish_detail_page, name="dish-detail"),
]
