"""`manage.py bootstrap`: everything `make run` needs before serving; skips what is done."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandParser

from foodapp.training.foreground import train_in_foreground
from foodapp.training.selectors import model_names_without_active_version

DEFAULT_ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create the admin account, load shipped data and train models that have no version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-training", action="store_true")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="printed at the end")

    def handle(self, *args: Any, **options: Any) -> None:
        self.ensure_admin()
        self.run_data_steps()
        if not options["skip_training"]:
            self.train_missing_models()
        url = options["url"].rstrip("/")
        self.stdout.write(self.style.SUCCESS("Ready."))
        self.stdout.write(f"  App:       {url}/")
        self.stdout.write(f"  Admin:     {url}/admin/")
        self.stdout.write(f"  Health:    {url}/healthz  {url}/readyz")

    def ensure_admin(self) -> None:
        """Create a superuser when there is none; print a generated password once."""
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", DEFAULT_ADMIN_USERNAME)
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created admin account {username!r} with password {password!r}"
                    " (shown once; set DJANGO_SUPERUSER_PASSWORD to choose it)."
                )
            )
        else:
            self.stdout.write(f"Created admin account {username!r} (password from environment).")

    def run_data_steps(self) -> None:
        """Load the shipped catalogue and simulate a first history, when those commands exist."""
        available = get_commands()
        steps: list[tuple[str, list[str]]] = [
            ("load_catalogue", []),
            ("simulate", ["--if-empty", "--users", "300", "--sessions", "8000", "--seed", "7"]),
        ]
        for name, arguments in steps:
            if name in available:
                call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)

    def train_missing_models(self) -> None:
        """Train every registered model without an active version, showing progress."""
        for model_name in model_names_without_active_version():
            self.stdout.write(f"{model_name} has no active version yet.")
            version = train_in_foreground(model_name=model_name, announce=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"{model_name} v{version.version} is active."))
