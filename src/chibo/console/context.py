from django.conf import settings


def console(request):
    return {"DEMO_MODE": settings.DEMO_MODE}
