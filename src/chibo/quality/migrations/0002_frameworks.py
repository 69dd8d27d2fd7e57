"""The national default criteria frameworks (``quality/frameworks.json``), and the meetings'
former criteria frameworks, which become meeting-quality frameworks here (one mechanism)."""

from django.db import migrations

from chibo.quality import defaults


def load(apps, schema_editor):
    Framework = apps.get_model("quality", "Framework")
    versions = defaults.load(Framework)
    Former = apps.get_model("meetings", "CriteriaFramework")
    for old in Former.objects.order_by("valid_from", "id"):
        versions["meeting"] = versions.get("meeting", 0) + 1
        Framework.objects.create(
            kind="meeting", name=old.name, version=versions["meeting"], valid_from=old.valid_from,
            criteria=[{"key": c["key"], "label": c["label"], "label_en": "", "max": int(c["max"])}
                      for c in old.criteria],
            created_by_id=old.created_by_id, source="meetings")


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial"), ("meetings", "0005_invitation_wrong_codes")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
