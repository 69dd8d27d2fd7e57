"""The service's URLs plus ``/bench/minimal/``: a Django view that does nothing, served through the
same middleware (sessions, CSRF, authentication, security headers) as every other page."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from chibo.urls import urlpatterns as service


def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *service]
