from django.db import migrations, models


class Migration(migrations.Migration):
    """Issue 13: the public-service portal's statement of party dues is an import kind."""

    dependencies = [
        ("imports", "0002_job_error_count_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importjob",
            name="kind",
            field=models.CharField(choices=[("units", "Units"), ("members", "Members"),
                                            ("dues_portal", "Party dues: the public-service portal's statement")],
                                   max_length=16, verbose_name="what"),
        ),
    ]
