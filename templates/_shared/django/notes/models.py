from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse


class Note(models.Model):
    """A short text that belongs to one user and is visible to that user alone.

    Columns have database-side defaults too (`db_default`), so that services writing to
    this table without Django (such as a FastAPI service) can leave them out.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        db_table = "notes_note"
        ordering = ("-updated_at", "-id")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notes:edit", kwargs={"pk": self.pk})
