from django.apps import AppConfig


class ServingConfig(AppConfig):
    name = "foodapp.serving"
    label = "serving"
    verbose_name = "Model serving (TensorFlow Serving REST API)"
