import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_damaged_goods_warehouse"),
    ]

    operations = [
        migrations.AddField(
            model_name="merchant",
            name="mall_domain",
            field=models.CharField(
                blank=True,
                default="",
                max_length=253,
                validators=[
                    django.core.validators.RegexValidator(
                        "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$",
                        "A host name in lowercase, such as shop.example.com (no http://, no path).",
                    )
                ],
                verbose_name="mall domain",
            ),
        ),
        migrations.AddConstraint(
            model_name="merchant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("mall_domain", ""), _negated=True),
                fields=("mall_domain",),
                name="merchant_mall_domain_unique",
            ),
        ),
    ]
