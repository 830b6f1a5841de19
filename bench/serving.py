"""Benchmark census serving latency in process: Predictor.predict on 1 and on 1,000 instances.

Run from the repository root:
    python bench/serving.py [--models-dir DIR] [--version N] [--repeats 200]

Without --models-dir it first trains a census wide & deep version into a temporary folder. Prints
p50/p95 in milliseconds; targets: 1 instance p50 <= 2 ms, 1,000 instances p50 <= 20 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine_info import machine_summary  # noqa: E402

from recommender.datasets import census  # noqa: E402
from recommender.serving import Predictor, load_predictor  # noqa: E402


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=None, help="store with a census model")
    parser.add_argument("--name", default=census.MODEL_NAME, help="model name (default census)")
    parser.add_argument("--version", type=int, default=None, help="version (default latest)")
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per case")
    return parser.parse_args()


def test_instances(count: int) -> list[dict[str, object]]:
    """The first `count` adult.test rows as raw instances (leading spaces put back)."""
    frame = census.load_split("test").iloc[:count]
    instances = []
    for record in frame.to_dict(orient="records"):
        instance: dict[str, object] = {}
        for name in census.FEATURE_COLUMNS:
            value = record[name]
            if name in census.CATEGORICAL_COLUMNS:
                instance[name] = " ?" if value is None or value != value else f" {value}"
            else:
                instance[name] = value
        instances.append(instance)
    return instances


def percentiles(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """p50 and p95 wall time of `call` in milliseconds, after a warm-up."""
    for _ in range(5):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=20)
    return statistics.median(times), cuts[18]


def run(predictor: Predictor, repeats: int) -> None:
    """Time the two cases and print them."""
    instances = test_instances(1000)
    one = instances[:1]
    single = percentiles(lambda: predictor.predict(one), repeats)
    batch = percentiles(lambda: predictor.predict(instances), max(20, repeats // 5))
    print(f"model    {predictor.name} v{predictor.version} ({predictor.metadata['model_type']})")
    print(f"1 instance       p50 {single[0]:.2f} ms  p95 {single[1]:.2f} ms  (target p50 <= 2 ms)")
    print(f"1,000 instances  p50 {batch[0]:.2f} ms  p95 {batch[1]:.2f} ms  (target p50 <= 20 ms)")
    import tensorflow as tf

    print(f"machine  {machine_summary()}")
    print(f"python   {platform.python_version()}, tensorflow {tf.__version__}")
    print(f"date     {datetime.now(UTC).isoformat(timespec='seconds')}")


def main() -> None:
    """Load (or train) a census version and benchmark it."""
    options = arguments()
    if options.models_dir is not None:
        run(load_predictor(options.models_dir, options.name, options.version), options.repeats)
        return
    with tempfile.TemporaryDirectory(prefix="serving-bench-") as scratch:
        print("training a census wide & deep version first...", file=sys.stderr, flush=True)
        result = census.train_and_export(models_dir=Path(scratch))
        run(load_predictor(Path(scratch), result.name, result.version), options.repeats)


if __name__ == "__main__":
    main()
