from django.urls import URLPattern, URLResolver, path

from foodapp.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("history/", views.history, name="history"),
    path("order/", views.order, name="order"),
    path("rate/", views.rate, name="rate"),
    path("dismiss/", views.dismiss, name="dismiss"),
    path("go/<int:dish_id>/", views.click, name="click"),
    path("personas/", views.personas, name="personas"),
]
