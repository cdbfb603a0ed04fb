from django.core.paginator import Paginator


def paginate(request, queryset, per_page: int = 50) -> dict:
    """Page a queryset for a console table; returns the context the pagination partial needs."""
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return {"page_obj": page_obj, "querystring_without_page": f"{encoded}&" if encoded else ""}
