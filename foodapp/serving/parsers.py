"""TensorFlow Serving reads every predict body as JSON, whatever its Content-Type says."""

from rest_framework.parsers import JSONParser


class AnyContentTypeJSONParser(JSONParser):
    """JSON parsing for any media type, so a non-JSON body is a 400, not a 415."""

    media_type = "*/*"
