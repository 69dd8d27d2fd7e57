from django.urls import path

from chibo.imports import views

app_name = "imports"

urlpatterns = [
    path("<int:pk>/errors.csv", views.errors, name="errors"),
]
