from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionsConfig(AppConfig):
    name = "chibo.admissions"
    label = "admissions"
    verbose_name = _("Member development")
