from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("worker_seen_at", models.DateTimeField(blank=True, null=True)),
                ("source", models.CharField(default="beat", max_length=20)),
            ],
            options={"ordering": ["-created_at"]},
        ),
    ]
