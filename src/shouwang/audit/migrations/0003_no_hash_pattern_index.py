# Every event is inserted into each index of audit_event; nothing searches hashes by prefix.

from django.db import migrations

from shouwang.ops.schema import drop_pattern_ops_index


def drop_hash_pattern_index(apps, schema_editor):
    drop_pattern_ops_index(schema_editor, "audit_event", "hash")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only"),
    ]

    operations = [
        migrations.RunPython(drop_hash_pattern_index, migrations.RunPython.noop, elidable=True),
    ]
