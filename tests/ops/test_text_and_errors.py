"""The shared helpers that replaced per-app copies: DRF error flattening, codes as words, and
short record ids."""

import uuid

from rest_framework import serializers

from ops.api import error_lines, flatten_errors
from ops.text import short_id, words


class Licence(serializers.Serializer):
    state = serializers.ChoiceField(choices=["NY", "CA"])


class Provider(serializers.Serializer):
    npi = serializers.RegexField(r"^\d{10}$")
    licenses = Licence(many=True)
    languages = serializers.ListField(child=serializers.CharField(max_length=3))


def errors_of(data):
    serializer = Provider(data=data)
    assert not serializer.is_valid()
    return serializer.errors


def test_real_drf_errors_flatten_to_field_paths_with_list_indexes():
    errors = errors_of(
        {
            "npi": "12",
            "licenses": [{"state": "NY"}, {"state": "TX"}],
            "languages": ["en", "spanish"],
        }
    )
    assert sorted(flatten_errors(errors)) == [
        (("languages", "1"), "Ensure this field has no more than 3 characters."),
        (("licenses", "1", "state"), '"TX" is not a valid choice.'),
        (("npi",), "This value does not match the required pattern."),
    ]
    assert sorted(error_lines(errors)) == [
        "languages.1: Ensure this field has no more than 3 characters.",
        'licenses.1.state: "TX" is not a valid choice.',
        "npi: This value does not match the required pattern.",
    ]


def test_a_path_prefix_messages_without_a_field_and_nothing_to_flatten():
    assert list(flatten_errors({"state": ["Required."]}, ("patient",))) == [
        (("patient", "state"), "Required.")
    ]
    assert error_lines(["Body must be an object."]) == ["Body must be an object."]
    assert error_lines(None) == [] and error_lines({}) == []


def test_words_and_short_id():
    assert words("moderately_severe") == "moderately severe"
    assert words(None) == ""
    pk = uuid.UUID("1f0c2a9b-0000-4000-8000-000000000000")
    assert short_id(pk) == "1f0c2a9b"
    assert short_id(str(pk)) == "1f0c2a9b"
