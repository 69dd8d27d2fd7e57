from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "chibo.reports"
    label = "reports"
    verbose_name = _("Reports and exports")

    def ready(self) -> None:
        from chibo.reports import badges  # noqa: F401 (registers the badge list's background export)
