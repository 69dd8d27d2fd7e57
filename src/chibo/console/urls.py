from django.urls import path

from chibo.console.views import audit, auth, imports, members, unit_ops, units

app_name = "console"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("2fa/", auth.two_factor, name="two_factor"),
    path("", units.home, name="home"),
    path("units/", units.tree, name="tree"),
    path("units/search/", units.unit_search, name="unit_search"),
    path("units/<int:pk>/", units.unit_detail, name="unit"),
    path("units/<int:pk>/children/", units.unit_children, name="unit_children"),
    path("units/<int:pk>/members/new/", members.member_create, name="member_create"),
    *[
        path(f"units/<int:pk>/{op}/", unit_ops.unit_operation, {"op": op}, name=f"unit_{op}")
        for op in unit_ops.OPERATIONS
    ],
    path("members/<int:pk>/", members.member_detail, name="member"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("audit/", audit.audit_log, name="audit"),
    path("imports/", imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports.import_job, name="import_job"),
]
