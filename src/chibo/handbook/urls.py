from django.urls import path

from chibo.handbook import pwa, views

app_name = "handbook"

urlpatterns = [
    path("", views.home, name="home"),
    path("card/", views.card, name="card"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("ask/", views.ask, name="ask"),
    path("threads/<int:pk>/", views.thread_page, name="thread"),
    path("offline/", pwa.offline, name="offline"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
]
