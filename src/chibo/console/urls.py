from django.urls import path

from chibo.console.views import (
    admissions,
    audit,
    auth,
    exports,
    imports,
    members,
    notifications,
    targets,
    unit_ops,
    units,
)

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
    path("units/<int:pk>/progress/", targets.dashboard, name="progress"),
    path("units/<int:pk>/targets/", targets.targets, name="targets"),
    path("units/<int:pk>/reports/", targets.report_list, name="progress_reports"),
    path("reports/<int:pk>/", targets.report_detail, name="progress_report"),
    path("units/<int:pk>/progress/export.<str:fmt>", targets.dashboard_export, name="progress_export"),
    path("units/<int:pk>/progress/members/", targets.members_panel, name="progress_members"),
    path("units/<int:pk>/year-end/", targets.year_end, name="year_end"),
    path("units/<int:pk>/year-end/export.<str:fmt>", targets.year_end_export, name="year_end_export"),
    path("reports/<int:pk>/export.<str:fmt>", targets.report_export, name="progress_report_export"),
    path("units/<int:pk>/admissions/", admissions.unit_admissions, name="unit_admissions"),
    path("units/<int:pk>/admissions/new/", admissions.case_create, name="case_create"),
    path("admissions/<int:pk>/", admissions.case_detail, name="case"),
    path("admissions/<int:pk>/edit/", admissions.case_edit, name="case_edit"),
    path("admissions/<int:pk>/step/", admissions.case_step, name="case_step"),
    path("admissions/<int:pk>/documents/", admissions.case_document, name="case_document"),
    path("admissions/<int:pk>/forms/<str:kind>.<str:fmt>", admissions.case_paperwork, name="case_paperwork"),
    path("admissions/documents/<int:pk>/", admissions.document_download, name="case_document_file"),
    path("admissions/inbox/", admissions.inbox, name="admissions_inbox"),
    path("admissions/overdue/", admissions.overdue, name="admissions_overdue"),
    path("admissions/courses/", admissions.courses, name="admissions_courses"),
    path("admissions/courses/<int:pk>/", admissions.course_detail, name="admissions_course"),
    path("notifications/", notifications.inbox, name="notifications"),
    path("notifications/read/", notifications.mark_read, name="notifications_read"),
    path("notifications/settings/", notifications.settings_view, name="notification_settings"),
    path("audit/", audit.audit_log, name="audit"),
    path("imports/", imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports.import_job, name="import_job"),
    path("exports/<int:pk>/", exports.export_job, name="export_job"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
    path("units/<int:pk>/members/export/", exports.member_export, name="member_export"),
]
