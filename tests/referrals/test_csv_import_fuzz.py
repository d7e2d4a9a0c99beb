"""Hypothesis fuzzing of ``manage.py import_providers``: whatever the file holds, the command
ends with a report (or a clear CommandError), never a traceback, and nothing is half-saved:
every provider in the directory came from a row the report accepted, with all of its licences,
insurance and modalities, and a rejected row leaves nothing behind.
"""

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from referrals.directory_csv import COLUMNS
from referrals.models import Provider
from tests.referrals.conftest import sample_rows

ROWS = sample_rows()[:4]
# Text that stresses a CSV reader and the validators: separators, quotes, newlines, NUL,
# right-to-left and combining marks, huge numbers, surrogate-free unicode.
NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            ";",
            ";;",
            ":",
            "NY:",
            "NY:2027-02-30",
            "ZZ:2027-06-30",
            "NY:2027-06-30;NY:2028-01-01",
            "\x00",
            '"',
            "\n",
            "9" * 400,
            "1234567890",
            "true;false",
            "telehealth;;in_person",
            "2026-13-01",
            "00000",
            "99999-9999",
            "‮MD",
        ]
    ),
)


@st.composite
def csv_files(draw) -> bytes:
    rows = [list(row) for row in draw(st.lists(st.sampled_from(ROWS), min_size=1, max_size=6))]
    for row in rows:
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(COLUMNS) - 1))] = draw(NASTY)
        if draw(st.booleans()) and draw(st.booleans()):
            row.append(draw(NASTY))  # a cell too many
        if draw(st.booleans()) and draw(st.booleans()):
            del row[draw(st.integers(0, len(row) - 1))]  # a cell too few
    header = list(COLUMNS)
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.permutations(header))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    if draw(st.integers(0, 9)) == 0:  # bytes that are not UTF-8, somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    if draw(st.integers(0, 14)) == 0:
        data = draw(st.binary(max_size=200))  # not a CSV at all
    return data


def import_file(path):
    out = io.StringIO()
    try:
        call_command("import_providers", str(path), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=csv_files())
@example(data=b"\x80" + ",".join(COLUMNS).encode())  # found by this test: not UTF-8
@example(data=(",".join(COLUMNS) + "\n\x00" + ",".join(ROWS[0][1:])).encode())  # NUL npi
def test_any_file_gives_a_report_and_nothing_half_saved(data, tmp_path):
    path = tmp_path / "providers.csv"
    path.write_bytes(data)
    with transaction.atomic():  # each example starts from an empty directory
        out, error = import_file(path)
        report = re.search(
            r"Checked (\d+) rows of .*: (\d+) created, (\d+) updated, (\d+) unchanged, "
            r"(\d+) rejected",
            out,
        )
        if report is None:  # refused as a whole: a clear message, nothing imported
            assert error, out
            assert not Provider.objects.exists()
        else:
            _, created, updated, unchanged, rejected = map(int, report.groups())
            assert updated == unchanged == 0  # the directory started empty
            assert Provider.objects.count() == created
            assert (error is None) == (rejected == 0)
            assert len(re.findall(r"^  line \d+: ", out, re.MULTILINE)) == rejected
            for provider in Provider.objects.prefetch_related("licenses"):
                assert provider.npi in data.decode("utf-8", "replace")
                assert provider.licenses.exists()  # the row's licences came with it
                assert provider.modalities
        transaction.set_rollback(True)
