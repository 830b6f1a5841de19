"""`manage.py evaluate food [--json]`: the four rankers measured offline and online."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.recommendations.evaluation import ONLINE_DAYS, ONLINE_SEED, ONLINE_SESSIONS
from foodapp.simulation.management.commands.simulate import bounded_int

COLUMNS = (
    ("auc", "AUC"),
    ("logloss", "logloss"),
    ("ndcg@10", "nDCG@10"),
    ("recall@10", "recall@10"),
    ("coverage", "coverage"),
    ("intra_list_diversity", "ILD"),
    ("online_order_rate", "orders/session"),
    ("online_gain_vs_v2", "gain vs v2"),
)


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = "Evaluate v1 naive matching, v2 wide, v3 deep and v4 wide & deep (and the oracle)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", choices=["food"], help="what to evaluate (food)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--sessions",
            type=bounded_int("--sessions", 10),
            default=ONLINE_SESSIONS,
            help="online sessions per ranker",
        )
        parser.add_argument("--days", type=bounded_int("--days", 1), default=int(ONLINE_DAYS))
        parser.add_argument("--seed", type=bounded_int("--seed", 0), default=ONLINE_SEED)
        parser.add_argument(
            "--no-real-logs", action="store_true", help="skip the UCI restaurant ratings"
        )
        parser.add_argument("--no-store", action="store_true", help="do not store the result")
        parser.add_argument(
            "--real-logs-only",
            action="store_true",
            help="only the UCI restaurant ratings (no simulated history needed; not stored)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from foodapp.recommendations.evaluation import EvaluationUnavailableError, evaluation_run
        from foodapp.recommendations.services import evaluation_store
        from foodapp.simulation.selectors import StaleWorldError

        quiet = options["json"]

        def progress(line: str) -> None:
            if not quiet:
                self.stdout.write(f"  {line}")

        if options["real_logs_only"]:
            from foodapp.recommendations.real_logs import real_logs_evaluate

            real = real_logs_evaluate(progress=progress)
            if quiet:
                self.stdout.write(
                    json.dumps({"real_logs": real}, indent=2, allow_nan=False, default=float)
                )
            else:
                self.write_real_logs(real)
            return
        try:
            result = evaluation_run(
                sessions=options["sessions"],
                days=float(options["days"]),
                seed=options["seed"],
                progress=progress,
                real_logs=not options["no_real_logs"],
            )
        except (EvaluationUnavailableError, StaleWorldError) as error:
            raise CommandError(str(error.args[0] if error.args else error)) from None
        if not options["no_store"]:
            evaluation_store(result=result)
        if quiet:
            self.stdout.write(json.dumps(result, indent=2, allow_nan=False, default=float))
            return
        self.write_table(result)

    def write_table(self, result: dict[str, Any]) -> None:
        """The rankers' metrics as a text table, then slices and claims."""
        header = f"{'ranker':<8}" + "".join(f"{label:>15}" for _, label in COLUMNS)
        self.stdout.write(result["setup"]["description"])
        self.stdout.write(header)
        for name, metrics in result["rankers"].items():
            row = "".join(f"{_cell(metrics.get(key)):>15}" for key, _ in COLUMNS)
            self.stdout.write(f"{name:<8}{row}")
        self.stdout.write("\nOnline orders per session by slice:")
        names = list(result["rankers"])
        self.stdout.write(f"{'slice':<36}{'sessions':>9}" + "".join(f"{n:>9}" for n in names))
        for slice_name, entry in result["slices"].items():
            rates = "".join(
                f"{_cell(entry['rankers'].get(n, {}).get('online_order_rate')):>9}" for n in names
            )
            self.stdout.write(f"{slice_name:<36}{entry['sessions']:>9}{rates}")
        real = result.get("real_logs")
        if real:
            self.write_real_logs(real)
        self.stdout.write("")
        for claim in result["claims"]:
            self.stdout.write(f"- {claim}")

    def write_real_logs(self, real: dict[str, Any]) -> None:
        """The real-logs rankers' metrics (or why there are none)."""
        self.stdout.write("\nReal logs (UCI ratings, per-person held out):")
        if not real.get("available"):
            self.stdout.write(f"  {real.get('reason')}")
            return
        training = real.get("training", {})
        for name, metrics in real["rankers"].items():
            validation = training.get(name, {}).get("validation_ndcg@10")
            low, high = metrics["ndcg@10_ci95"]
            self.stdout.write(
                f"  {name:<11} nDCG@10 {_cell(metrics['ndcg@10'])} [{_cell(low)}, "
                f"{_cell(high)}]  recall@10 {_cell(metrics['recall@10'])}  coverage "
                f"{_cell(metrics['coverage@10'])}  validation nDCG@10 {_cell(validation)}"
            )
            if "ndcg@10_minus_best_baseline" in metrics:
                low, high = metrics["ndcg@10_minus_best_baseline_ci95"]
                runs = training.get(name, {}).get("runs", [])
                seeds = ", ".join(f"{run['seed']}: {run['ndcg@10']:.3f}" for run in runs)
                self.stdout.write(
                    f"  {'':<11} minus {real['best_baseline']} "
                    f"{_cell(metrics['ndcg@10_minus_best_baseline'])} [{_cell(low)}, "
                    f"{_cell(high)}] (paired by person); by seed {seeds}"
                )
