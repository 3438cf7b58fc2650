"""Notes pages. Every query is limited to the signed-in user's notes, so another
user's note is a 404, never a 403 that would reveal it exists."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.views import generic

from .forms import NoteForm
from .models import Note
from .pagination import OneQueryPaginator


class OwnNotesMixin(LoginRequiredMixin):
    request: HttpRequest

    def get_queryset(self) -> QuerySet[Note]:
        return Note.objects.filter(owner_id=self.request.user.pk)


class NoteListView(OwnNotesMixin, generic.ListView[Note]):
    template_name = "notes/note_list.html"
    paginate_by = 20
    paginator_class = OneQueryPaginator

    def get_queryset(self) -> QuerySet[Note]:
        # The columns the list shows; a template asking for another would cost a query
        # per row (test_notes counts them).
        return super().get_queryset().only("title", "body", "updated_at")


class NoteCreateView(LoginRequiredMixin, generic.CreateView[Note, NoteForm]):
    form_class = NoteForm
    template_name = "notes/note_form.html"
    success_url = reverse_lazy("notes:list")

    def form_valid(self, form: NoteForm) -> HttpResponse:
        form.instance.owner_id = self.request.user.pk
        messages.success(self.request, "Note created.")
        return super().form_valid(form)


class NoteUpdateView(OwnNotesMixin, generic.UpdateView[Note, NoteForm]):
    form_class = NoteForm
    template_name = "notes/note_form.html"
    success_url = reverse_lazy("notes:list")

    def form_valid(self, form: NoteForm) -> HttpResponse:
        messages.success(self.request, "Note saved.")
        return super().form_valid(form)


class NoteDeleteView(OwnNotesMixin, generic.DeleteView[Note, Any]):
    template_name = "notes/note_confirm_delete.html"
    success_url = reverse_lazy("notes:list")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, "Note deleted.")
        return super().form_valid(form)
