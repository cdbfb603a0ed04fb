"""Run the platform: granian (WSGI) for pages and API plus the Huey worker, until Ctrl-C.

Refuses to start when DEBUG is off and SECRET_KEY is the development default (system check
newretail.E001). Prints the URLs and the demo logins.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_LOGINS_FILE = "demo_logins.txt"


class Command(BaseCommand):
    help = "Start the web server (granian, WSGI) and the Huey worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the Huey worker")

    def handle(self, *args, **options):
        self.check(include_deployment_checks=not settings.DEBUG, fail_level=checks.ERROR)
        if not settings.DEBUG and settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
            raise CommandError("DEBUG is off and SECRET_KEY is the development default: refusing to start.")
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)

        host, port = options["host"], options["port"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newretail.config.settings"}
        web = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            os.environ.get("WEB_THREADS", "4"),
            "--no-ws",
            "newretail.config.wsgi:application",
        ]
        processes = [subprocess.Popen(web, env=env)]
        if not options["no_worker"]:
            processes.append(subprocess.Popen([sys.executable, "manage.py", "run_huey", "--quiet"], env=env))

        base = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS("NewRetail is running"))
        self.stdout.write(f"  mall      {base}/   (each merchant's mall at {base}/m/<slug>/)")
        self.stdout.write(f"  console   {base}/console/")
        self.stdout.write(f"  API docs  {base}/api/docs")
        self.stdout.write(f"  admin     {base}/admin/")
        logins = settings.VAR_DIR / DEMO_LOGINS_FILE
        if logins.exists():
            self.stdout.write("  demo logins (username / password):")
            for line in logins.read_text(encoding="utf-8").splitlines():
                self.stdout.write(f"    {line}")
        self.stdout.write("Press Ctrl-C to stop.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                if any(p.poll() is not None for p in processes):
                    self.stderr.write("a process exited; stopping the others")
                    break
                time.sleep(0.5)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.terminate()
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
