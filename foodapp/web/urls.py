from django.urls import URLPattern, URLResolver, path

from foodapp.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("history/", views.history, name="history"),
    path("order/", views.order, name="order"),
    path("rate/", views.rate, name="rate"),
    path("dismiss/", views.dismiss, name="dismiss"),
    path("clicks/", views.click, name="click"),
    path("go/<int:dish_id>/", views.dish_go, name="dish-go"),
    path("personas/", views.personas, name="personas"),
]
