# Every escalation writes three deliveries: indexes nothing reads are dropped.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from shouwang.ops.schema import drop_pattern_ops_index


def drop_key_pattern_index(apps, schema_editor):
    drop_pattern_ops_index(schema_editor, "notify_delivery", "idempotency_key")


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_webhookendpoint_botendpoint"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(drop_key_pattern_index, migrations.RunPython.noop, elidable=True),
    ]
