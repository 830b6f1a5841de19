"""TensorFlow Serving's model config file, written by the app whenever what is served changes.

The versions on disk are TensorFlow Serving's layout already (MODELS_DIR/<model>/<version>/ with
a SavedModel). The file lists, per model, the versions to load: the active one (label "stable")
and the arms of a running A/B test of it (the treatment labelled "canary"). The `tfserving`
service of docker-compose reads it from the shared models volume and polls it for changes
(`--model_config_file_poll_wait_seconds`). Written to a temporary name and renamed, so the
server never reads half a file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

CONFIG_FILE_NAME = "models.config"
STABLE = "stable"
CANARY = "canary"


def tfserving_config_text(
    *, served: dict[str, list[int]], labels: dict[str, dict[str, int]], base_path: str
) -> str:
    """The config in protobuf text format (ModelServerConfig.model_config_list).

    Args:
        served: model name -> versions to load.
        labels: model name -> {label: version}.
        base_path: the models folder as the server sees it (e.g. "/models").

    Returns:
        The file's text.
    """
    lines = ["model_config_list {"]
    for name in sorted(served):
        versions = " ".join(f"versions: {number}" for number in sorted(set(served[name])))
        lines += [
            "  config {",
            f'    name: "{name}"',
            f'    base_path: "{base_path.rstrip("/")}/{name}"',
            '    model_platform: "tensorflow"',
            f"    model_version_policy {{ specific {{ {versions} }} }}",
        ]
        for label, number in sorted(labels.get(name, {}).items()):
            lines.append(f'    version_labels {{ key: "{label}" value: {number} }}')
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _served_and_labels() -> tuple[dict[str, list[int]], dict[str, dict[str, int]]]:
    """Per model, the versions to load and their labels, from the database."""
    from foodapp.training.models import Experiment, ModelVersion

    served: dict[str, list[int]] = {}
    labels: dict[str, dict[str, int]] = {}
    active = ModelVersion.objects.filter(state=ModelVersion.State.ACTIVE)
    for name, number in active.values_list("model_name", "version"):
        served.setdefault(name, []).append(number)
        labels.setdefault(name, {})[STABLE] = number
    running = Experiment.objects.filter(ended_at__isnull=True).select_related(
        "control", "treatment"
    )
    for experiment in running:
        for version in (experiment.control, experiment.treatment):
            served.setdefault(version.model_name, []).append(version.version)
        treatment = experiment.treatment
        if treatment.model_name == experiment.control.model_name:
            labels.setdefault(treatment.model_name, {})[CANARY] = treatment.version
    return served, labels


def tfserving_config_path() -> Path:
    """Where the config file is written: TFSERVING_MODEL_CONFIG, else MODELS_DIR/models.config."""
    configured = getattr(settings, "TFSERVING_MODEL_CONFIG", "")
    return Path(configured) if configured else Path(settings.MODELS_DIR) / CONFIG_FILE_NAME


def tfserving_config_write() -> Path | None:
    """Write the config for what is served now; None (logged) when the folder is not writable.

    Returns:
        The file written.
    """
    served, labels = _served_and_labels()
    base_path = getattr(settings, "TFSERVING_MODELS_BASE_PATH", "/models")
    text = tfserving_config_text(served=served, labels=labels, base_path=base_path)
    target = tfserving_config_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".models-config-", dir=target.parent)
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError:
        logger.warning("TensorFlow Serving config not written", exc_info=True)
        return None
    return target
