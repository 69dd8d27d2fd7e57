# cards (issue 13): the operations of chibo.members.cards.models, written by hand (a
# placeholder first, so that the lifecycle's parts each have their own migration in one chain)

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0009_leaving")]

    operations: list = []
