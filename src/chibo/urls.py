from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from chibo.api.urls import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("imports/", include("chibo.imports.urls")),
    path("handbook/", include("chibo.handbook.urls")),
    path("", include("chibo.console.urls")),
]
