from django.shortcuts import render
from django.urls import path

from newretail.console.decorators import console_view
from newretail.console.widgets import dashboard_widgets


@console_view()
def home(request):
    return render(request, "console/home.html", {"widgets": dashboard_widgets(request.user)})


urlpatterns = [path("", home, name="home")]
