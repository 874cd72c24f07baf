from django.shortcuts import render


def index(request):
    """The simulated outside world: one page linking to every simulated system."""
    return render(request, "simulators/index.html")
