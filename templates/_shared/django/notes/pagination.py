"""A paginator that reads a page and the total number of rows in one query."""

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Model, QuerySet, Window

# The annotation that carries the total on every row of the page.
TOTAL = "rows_in_all"


class OneQueryPaginator[M: Model](Paginator[M]):
    """Counts the rows with `COUNT(*) OVER ()` in the query that reads the page.

    Django's Paginator runs a separate COUNT first to check the page number; a list page
    then costs two queries. Here only a page past the end (no rows) costs a second one.
    The object list must be a QuerySet, and orphans are not supported.
    """

    object_list: QuerySet[M]

    def page(self, number: Any) -> Page[M]:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        start = (number - 1) * self.per_page
        counted = self.object_list.annotate(**{TOTAL: Window(Count("*"))})
        rows = list(counted[start : start + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], TOTAL)  # fills the cached property
        elif number == 1:
            self.__dict__["count"] = 0
        else:
            raise EmptyPage("That page contains no results")
        return Page(rows, number, self)
