"""Gunicorn's settings for every way the web app is served: the Procfile (`make run`),
docker-compose and the benchmarks under bench/. Gunicorn reads this file from the working
directory; flags on its command line override it.

Sized for a 2-core machine: one worker process per core (ranking and the request's Python code
hold each process's interpreter lock), and threads in each worker to cover the waits for the
database, Redis and TensorFlow, which release it. WEB_WORKERS and WEB_THREADS change both for a
bigger machine; bench/api_load.py measures a setting.
"""

import os

wsgi_app = "foodapp.wsgi"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Keep-alive connections of API clients stay open between their requests.
keepalive = 5
timeout = 60
loglevel = "warning"


def post_worker_init(worker: object) -> None:
    """Load and warm up the served model versions before the worker takes its first request
    (loading a SavedModel and compiling its ranking take seconds); a failure (no database yet,
    no trained model) is logged and the worker serves anyway, loading on first use.

    Then everything loaded so far (Django, TensorFlow, the model) is moved out of the garbage
    collector's reach with gc.freeze(): those objects live as long as the worker, and without
    it every full collection walks all of them while the worker's request threads wait.
    """
    import gc
    import logging

    from django.db import connections

    try:
        from foodapp.training.served import served_versions_warm

        served_versions_warm()
    except Exception:
        logging.getLogger("foodapp.gunicorn").warning("warming up failed", exc_info=True)
    finally:
        connections.close_all()  # the request threads open their own
    gc.collect()
    gc.freeze()
