"""The census demo page: one person through a form, many through a CSV upload."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from foodapp.census.csv_batch import CsvBatchError, read_people, sample_csv, write_predictions
from foodapp.census.examples import STORY_EXAMPLES
from foodapp.census.forms import CensusPersonForm, CsvUploadForm, initial_from_example
from foodapp.census.selectors import CensusModelSummary, census_model_summary
from foodapp.census.trainer import MODEL_NAME
from foodapp.serving.input_ranges import input_ranges_get
from foodapp.training.predictors import predictor_for_version

if TYPE_CHECKING:
    from recommender.serving import Predictor

TEMPLATE = "census/demo.html"
NO_MODEL = "no active census version"


def _context(summary: CensusModelSummary | None, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "examples": [
            {"number": n, "text": json.dumps(example)}
            for n, example in enumerate(STORY_EXAMPLES, 1)
        ],
        "upload_form": CsvUploadForm(),
        **extra,
    }


def _example_number(request: HttpRequest) -> int:
    raw = request.GET.get("example", "1")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= len(STORY_EXAMPLES) else 1


def _served_model() -> tuple[CensusModelSummary, Predictor] | str:
    """The active version and its loaded predictor, or why the page cannot predict."""
    from recommender.export import ExportFormatError, ModelNotFoundError

    summary = census_model_summary()
    if summary is None:
        return NO_MODEL
    try:
        return summary, predictor_for_version(summary.version)
    except (ExportFormatError, ModelNotFoundError) as error:
        return f"The active census version cannot be loaded ({error}). Train a new one."


def _unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, TEMPLATE, _context(None, unavailable=reason), status=503)


@require_http_methods(["GET", "POST"])
def demo(request: HttpRequest) -> HttpResponse:
    from recommender.serving import InputError

    served = _served_model()
    if served == NO_MODEL:
        return render(request, TEMPLATE, _context(None))
    if isinstance(served, str):
        return _unavailable(request, served)
    summary, predictor = served
    schema = predictor.input_schema()
    ranges = input_ranges_get(model_name=MODEL_NAME)
    if request.method == "POST":
        form = CensusPersonForm(request.POST, schema=schema, ranges=ranges)
        if not form.is_valid():
            return render(request, TEMPLATE, _context(summary, form=form), status=400)
        try:
            prediction = predictor.predict([form.instance()])[0]
        except InputError as error:
            form.add_error(None, str(error))
            return render(request, TEMPLATE, _context(summary, form=form), status=400)
        return render(
            request,
            TEMPLATE,
            _context(
                summary,
                form=form,
                prediction=prediction,
                over_50k=prediction["classes"] == 1,
                probability=prediction["logistic"][0],
                raw_json=json.dumps({"predictions": [prediction]}, indent=2),
            ),
        )
    number = _example_number(request)
    initial = initial_from_example(STORY_EXAMPLES[number - 1])
    form = CensusPersonForm(initial=initial, schema=schema, ranges=ranges)
    return render(request, TEMPLATE, _context(summary, form=form, example_number=number))


@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    from recommender.serving import InputError

    served = _served_model()
    if isinstance(served, str):
        return _unavailable(request, served)
    summary, predictor = served
    schema = predictor.input_schema()
    upload = CsvUploadForm(request.POST, request.FILES)
    ranges = input_ranges_get(model_name=MODEL_NAME)
    form = CensusPersonForm(
        initial=initial_from_example(STORY_EXAMPLES[0]), schema=schema, ranges=ranges
    )
    if not upload.is_valid():
        context = _context(summary, form=form)
        context["upload_form"] = upload
        return render(request, TEMPLATE, context, status=400)
    try:
        people = read_people(upload.cleaned_data["file"].read(), schema, ranges)
    except CsvBatchError as error:
        return render(
            request, TEMPLATE, _context(summary, form=form, batch_error=str(error)), status=400
        )
    try:
        predictions = predictor.predict(people.instances)
    except InputError as error:
        return render(
            request, TEMPLATE, _context(summary, form=form, batch_error=str(error)), status=400
        )
    response = HttpResponse(write_predictions(people, predictions), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="census-predictions.csv"'
    return response


@require_GET
def sample(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(sample_csv(STORY_EXAMPLES), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="census-people.csv"'
    return response
