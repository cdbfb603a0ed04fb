from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from newretail.core.storage import private_storage
from newretail.core.tenancy import MerchantOwned


class AuditEntry(MerchantOwned):
    """Who changed what: price changes, refunds, manual balance adjustments, permission changes."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class Job(MerchantOwned):
    """Long work run by the Huey worker (imports, exports, bulk issues) with progress for a bar
    and a result page. Handlers are registered by ``kind`` in ``core.jobs``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    input_file = models.FileField(_("input file"), upload_to="jobs/in/%Y/%m/", blank=True, storage=private_storage)
    result_file = models.FileField(
        _("result file"), upload_to="jobs/out/%Y/%m/", blank=True, storage=private_storage
    )
    progress = models.IntegerField(_("progress"), default=0)
    total = models.IntegerField(_("total"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def kind_label(self) -> str:
        from newretail.core.jobs import kind_label

        return kind_label(self.kind)

    @property
    def percent(self) -> int:
        if self.is_done and self.status == self.Status.SUCCEEDED:
            return 100
        return min(100, int(self.progress * 100 / self.total)) if self.total else 0


class Event(MerchantOwned):
    """A domain event in the outbox, recorded in the same transaction as the write it describes
    (``order.paid``, ``order.refunded``…). Each subscribed handler gets one ``EventDelivery``."""

    name = models.CharField(_("event"), max_length=64, db_index=True)
    aggregate_type = models.CharField(_("object type"), max_length=64, blank=True)
    aggregate_id = models.CharField(_("object id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "aggregate_type", "aggregate_id"])]

    def __str__(self) -> str:
        return f"{self.name} {self.aggregate_type}#{self.aggregate_id}"


class EventDelivery(MerchantOwned):
    """One handler's delivery of one event. The handler's writes and the ``succeeded`` mark
    commit in one transaction, so a delivery takes effect exactly once even if a worker dies."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.IntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="event_delivery_once_per_handler")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
