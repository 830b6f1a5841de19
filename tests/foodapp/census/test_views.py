"""The census demo page: the form, the prediction in words, the charts and the CSV upload."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from foodapp.census.csv_batch import sample_csv
from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training.models import ModelVersion


def person(number: int) -> dict[str, object]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in STORY_EXAMPLES[number].items()}


@pytest.mark.django_db
def test_without_a_model_the_page_says_how_to_train_one(client: Client) -> None:
    response = client.get("/census/")
    assert response.status_code == 200
    assert "python manage.py train census" in response.content.decode()


@pytest.mark.django_db
def test_the_form_is_prefilled_with_the_talks_examples(
    client: Client, census_version: ModelVersion
) -> None:
    first = client.get("/census/").content.decode()
    assert 'name="age" value="25"' in first
    assert '<option value="Machine-op-inspct" selected>' in first
    second = client.get("/census/?example=2").content.decode()
    assert 'name="age" value="42"' in second
    assert 'name="capital_gain" value="5178"' in second


@pytest.mark.django_db
def test_the_page_shows_the_active_versions_metrics_and_charts(
    client: Client, census_version: ModelVersion
) -> None:
    html = client.get("/census/").content.decode()
    assert f"Version {census_version.version}" in html
    assert "ROC AUC" in html and "Expected calibration error" in html
    assert html.count("<svg") >= 2
    assert "ROC curve (AUC" in html and "Calibration (ECE" in html


@pytest.mark.django_db
def test_a_prediction_is_told_in_words_with_its_probability_and_raw_json(
    client: Client, census_version: ModelVersion
) -> None:
    response = client.post("/census/", person(1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Earns more than $50K a year" in html or "Earns $50K a year or less" in html
    assert "Probability of more than $50K" in html
    assert "&quot;predictions&quot;" in html and "&quot;logistic&quot;" in html


@pytest.mark.django_db
def test_a_bad_form_answers_400_and_names_the_field(
    client: Client, census_version: ModelVersion
) -> None:
    response = client.post("/census/", {**person(0), "age": "old", "workclass": "Pirate"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a whole number." in html
    assert "Select a valid choice" in html


@pytest.mark.django_db
def test_a_csv_of_people_comes_back_with_predictions(
    client: Client, census_version: ModelVersion
) -> None:
    upload = SimpleUploadedFile("people.csv", sample_csv(STORY_EXAMPLES).encode(), "text/csv")
    response = client.post("/census/batch/", {"file": upload})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["age"] for row in rows] == ["25", "42"]
    api = client.post(
        "/v1/models/census:predict",
        data={"instances": list(STORY_EXAMPLES)},
        content_type="application/json",
    ).json()["predictions"]
    for row, prediction in zip(rows, api, strict=True):
        assert float(row["probability_over_50k"]) == pytest.approx(
            prediction["logistic"][0], abs=1e-5
        )
        assert row["predicted_income"] == (">50K" if prediction["classes"] else "<=50K")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"age,workclass\n25,Private\n", "line 1: missing column(s) education"),
        (
            sample_csv(STORY_EXAMPLES).replace("\n42,", "\nforty-two,").encode(),
            "line 3, field age: expected a number, got &#x27;forty-two&#x27;",
        ),
        (sample_csv(STORY_EXAMPLES).splitlines()[0].encode() + b"\n", "header but no rows"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_a_bad_csv_answers_400_naming_line_and_field(
    client: Client, census_version: ModelVersion, content: bytes, message: str
) -> None:
    upload = SimpleUploadedFile("people.csv", content, "text/csv")
    response = client.post("/census/batch/", {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()


def csv_with(field: str, value: str, row: int = 1) -> bytes:
    """The sample CSV with one field of one person (0 or 1) replaced by `value`, as written."""
    lines = sample_csv(STORY_EXAMPLES).splitlines()
    header = lines[0].split(",")
    cells = lines[1 + row].split(",")
    cells[header.index(field)] = value
    lines[1 + row] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age", "nan", "line 3, field age: expected a finite number, got &#x27;nan&#x27;"),
        ("age", "inf", "line 3, field age: expected a finite number, got &#x27;inf&#x27;"),
        ("age", "Infinity", "line 3, field age: expected a finite number, got &#x27;Infinity"),
        ("age", "-inf", "line 3, field age: expected a finite number"),
        ("age", "1e999", "line 3, field age: expected a finite number, got &#x27;1e999&#x27;"),
        ("age", "-25", "line 3, field age: -25 is outside 17 to 90, the range the model was"),
        ("age", "1e300", "line 3, field age: 1e+300 is outside 17 to 90"),
        ("capital_loss", "4357", "line 3, field capital_loss: 4357 is outside 0 to 4356"),
        ("hours_per_week", "0", "line 3, field hours_per_week: 0 is outside 1 to 99"),
        ("workclass", "x" * 131_073, "line 3, field workclass: longer than 131,072 characters"),
        ("age", "9" * 200_000, "line 3, field age: longer than 131,072 characters"),
        ("occupation", '"' + "y" * 140_000 + '"', "line 3, field occupation: longer than"),
        ("race", '"a\n' + "z" * 140_000 + '"', "line 3, field race: longer than 131,072"),
        ("race", '"never closed' + "z" * 140_000, "line 3: a field is longer than 131,072"),
    ],
    ids=["nan", "inf", "Infinity", "-inf", "1e999", "negative", "1e300", "capital-loss",
         "hours", "long-text", "long-number", "long-quoted", "long-multiline",
         "unclosed-quote"],
)  # fmt: skip
def test_a_bad_number_or_an_overlong_field_answers_400_naming_line_and_field(
    client: Client, census_version: ModelVersion, field: str, value: str, message: str
) -> None:
    upload = SimpleUploadedFile("people.csv", csv_with(field, value), "text/csv")
    response = client.post("/census/batch/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "y" * 1000 not in html and "z" * 1000 not in html  # the field is not echoed


@pytest.mark.django_db
@pytest.mark.parametrize("age", ["-25", "1e300", "16", "91", "99999999999999999999999"])
def test_an_age_outside_the_training_range_is_refused_by_the_form(
    client: Client, census_version: ModelVersion, age: str
) -> None:
    response = client.post("/census/", {**person(0), "age": age})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "accepted"), [(16, False), (17, True), (90, True), (91, False)])
def test_the_same_range_holds_on_the_form_the_api_and_the_csv(
    client: Client, census_version: ModelVersion, age: int, accepted: bool
) -> None:
    form = client.post("/census/", {**person(0), "age": str(age)})
    api = client.post(
        "/v1/models/census:predict",
        data={"instances": [{**STORY_EXAMPLES[0], "age": age}]},
        content_type="application/json",
    )
    upload = SimpleUploadedFile("people.csv", csv_with("age", str(age), row=0), "text/csv")
    batch = client.post("/census/batch/", {"file": upload})
    expected = 200 if accepted else 400
    assert (form.status_code, api.status_code, batch.status_code) == (expected,) * 3
    if not accepted:
        assert "17 to 90" in form.content.decode()
        assert "17 to 90" in api.json()["error"]
        assert "line 2, field age: " + str(age) + " is outside 17 to 90" in batch.content.decode()


@pytest.mark.django_db
def test_the_sample_csv_has_the_expected_header(client: Client) -> None:
    response = client.get("/census/sample.csv")
    header = response.content.decode().splitlines()[0].split(",")
    assert header == list(STORY_EXAMPLES[0])


@pytest.mark.django_db
def test_a_version_whose_files_are_gone_is_a_clear_503_not_a_crash(
    client: Client, census_version: ModelVersion, tmp_path
) -> None:
    census_version.path = str(tmp_path / "census" / "99")
    census_version.version = 99
    census_version.save()
    response = client.get("/census/")
    assert response.status_code == 503
    assert "cannot be loaded" in response.content.decode()
    upload = SimpleUploadedFile("people.csv", sample_csv(STORY_EXAMPLES).encode(), "text/csv")
    assert client.post("/census/batch/", {"file": upload}).status_code == 503
