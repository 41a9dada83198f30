from django.core.servers.basehttp import WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import Command as WhiteNoiseRunserver


class CrowdWSGIServer(WSGIServer):
    # Connections waiting to be accepted, as gunicorn's default backlog allows (Django's: 10).
    request_queue_size = 2048


class Command(WhiteNoiseRunserver):
    server_cls = CrowdWSGIServer
