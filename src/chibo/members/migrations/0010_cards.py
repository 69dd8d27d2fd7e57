# cards (issue 13): the operations of chibo.members.cards.models, written by hand: the card
# register, the chip-card exchange campaigns, the "seriously ill" records, the badges awarded.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_leaving"),
        ("meetings", "0006_delete_criteriaframework"),
        ("org", "0002_drop_fk_indexes_covered_by_composites"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CardCampaign',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('unit_path', models.CharField(editable=False, max_length=255)),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('directive', models.CharField(default='51-CT/TW', max_length=64, verbose_name='directive')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(verbose_name='ends on')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('opened_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='committee')),
            ],
            options={
                'verbose_name': 'chip-card exchange',
                'ordering': ['-starts_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PartyCard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=16, unique=True, verbose_name='card number')),
                ('kind', models.CharField(choices=[('paper', 'Paper card'), ('chip', 'Chip card')], default='chip', max_length=8, verbose_name='kind')),
                ('reason', models.CharField(choices=[('first', 'First issue'), ('loss', 'Reissue after a loss'), ('damage', 'Reissue of a damaged card'), ('exchange', 'Exchange for a chip card')], default='first', max_length=12, verbose_name='reason')),
                ('state', models.CharField(choices=[('issued', 'Issued, waiting to be handed over'), ('handed_over', 'Handed over'), ('lost', 'Lost'), ('replaced', 'Replaced'), ('revoked', 'Revoked'), ('returned', 'Returned')], default='issued', max_length=12, verbose_name='state')),
                ('state_since', models.DateField(verbose_name='state since')),
                ('issued_on', models.DateField(verbose_name='issued on')),
                ('decision', models.CharField(blank=True, max_length=128, verbose_name='decision')),
                ('unit_path', models.CharField(editable=False, max_length=255)),
                ('handed_over_on', models.DateField(blank=True, null=True, verbose_name='handed over on')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('campaign', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cards', to='members.cardcampaign')),
                ('issuer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='issuing committee')),
                ('meeting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='meetings.meeting', verbose_name='meeting')),
                ('member', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cards', to='members.member', verbose_name='member')),
                ('replaces', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replaced_by', to='members.partycard', verbose_name='replaces')),
            ],
            options={
                'verbose_name': 'party card',
                'verbose_name_plural': 'party cards',
                'ordering': ['-issued_on', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SeriousIllness',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(verbose_name='from')),
                ('valid_to', models.DateField(blank=True, null=True, verbose_name='until')),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('member', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='illnesses', to='members.member', verbose_name='member')),
                ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'serious illness',
                'ordering': ['valid_from', 'id'],
            },
        ),
        migrations.CreateModel(
            name='BadgeAward',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.PositiveSmallIntegerField(verbose_name='years')),
                ('award_day', models.DateField(verbose_name='award day')),
                ('kind', models.CharField(choices=[('regular', 'On time'), ('early', 'Early (seriously ill)'), ('posthumous', 'Posthumous')], default='regular', max_length=12, verbose_name='kind')),
                ('decision', models.CharField(max_length=128, verbose_name='decision')),
                ('unit_path', models.CharField(editable=False, max_length=255)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('issuer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='proposing committee')),
                ('member', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='badges', to='members.member', verbose_name='member')),
                ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'party badge',
                'ordering': ['award_day', 'tier', 'id'],
                'indexes': [models.Index(fields=['unit_path', 'award_day'], name='badge_path_day')],
                'constraints': [models.UniqueConstraint(fields=('member', 'tier'), name='badge_once_per_tier')],
            },
        ),
        migrations.AddIndex(
            model_name='cardcampaign',
            index=models.Index(fields=['unit_path', 'starts_on'], name='cardcampaign_path'),
        ),
        migrations.AddIndex(
            model_name='partycard',
            index=models.Index(fields=['unit_path', 'state'], name='card_path_state'),
        ),
        migrations.AddIndex(
            model_name='partycard',
            index=models.Index(fields=['member', 'issued_on'], name='card_member'),
        ),
        migrations.AddIndex(
            model_name='partycard',
            index=models.Index(fields=['campaign', 'unit_path', 'state'], name='card_campaign'),
        ),
        migrations.AddConstraint(
            model_name='partycard',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ('issued', 'handed_over'))), fields=('member',), name='card_one_current'),
        ),
        migrations.AddIndex(
            model_name='seriousillness',
            index=models.Index(fields=['member', 'valid_from'], name='illness_member'),
        ),
    ]
