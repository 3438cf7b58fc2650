from django import forms

from .models import Note


class NoteForm(forms.ModelForm[Note]):
    class Meta:
        model = Note
        fields = ("title", "body")
