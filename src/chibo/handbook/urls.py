from django.urls import path

from chibo.handbook import dues_views, library_views, meeting_views, privacy_views, pwa, review_views, views

app_name = "handbook"

urlpatterns = [
    path("", views.home, name="home"),
    path("card/", views.card, name="card"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("ask/", views.ask, name="ask"),
    path("threads/<int:pk>/", views.thread_page, name="thread"),
    path("meetings/", meeting_views.meetings, name="meetings"),
    path("meetings/<int:pk>/", meeting_views.meeting, name="meeting"),
    path("check-in/<int:pk>/", meeting_views.check_in_link, name="check_in"),
    path("library/", library_views.library, name="library"),
    path("library/<int:pk>/", library_views.document, name="document"),
    path("library/<int:pk>/file/", library_views.download, name="document_file"),
    path("offline/", pwa.offline, name="offline"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    *review_views.urlpatterns,
    *dues_views.urlpatterns,
    *privacy_views.urlpatterns,
]
