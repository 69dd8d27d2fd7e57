from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestructuringConfig(AppConfig):
    """No tables of its own: the tree changes that the apps built on ``org`` must follow."""

    name = "chibo.restructuring"
    label = "restructuring"
    verbose_name = _("Restructuring history")
