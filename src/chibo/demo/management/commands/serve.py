"""``python -m chibo serve [--host H] [--port P] [--workers N] [--dev]``."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from chibo.demo.serving import serve


class Command(BaseCommand):
    help = ("Run the web service: gunicorn with the WSGI app chibo.wsgi:application (2 workers by "
            "default), or Django's auto-reloading development server with --dev. Static files are "
            "served by WhiteNoise; collectstatic is not needed.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("CHIBO_HOST", "127.0.0.1"),
                            help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help="port (default 8000, or $PORT)")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("CHIBO_WORKERS", "2")),
                            help="gunicorn worker processes (default 2)")
        parser.add_argument("--dev", action="store_true", help="Django's development server (auto-reload)")

    def handle(self, *args, host: str, port: int, workers: int, dev: bool, **options):
        self.stdout.write(f"Serving Chibo at http://{host}:{port}/ "
                          f"({'development server' if dev else f'gunicorn, {workers} workers'})")
        serve(host=host, port=port, workers=workers, dev=dev)
