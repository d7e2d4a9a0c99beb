"""manage.py import_providers / export_providers / generate_providers."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from intake.geography import zip_state
from referrals.directory_csv import COLUMNS
from referrals.management.commands import import_providers
from referrals.models import License, Provider, ProviderInsurance
from referrals.npi import npi_problem
from tests.referrals.conftest import SAMPLE, sample_rows


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def write_csv(tmp_path, rows, header=COLUMNS):
    path = tmp_path / "providers.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.django_db
class TestImport:
    def test_the_sample_file_imports_cleanly_and_idempotently(self):
        out, _, error = run("import_providers", str(SAMPLE))
        assert error is None
        assert "Checked 12 rows" in out and "12 created, 0 updated, 0 unchanged, 0 rejected" in out
        assert Provider.objects.count() == 12
        maya = Provider.objects.get(npi="1234567893")
        assert maya.specialties == ["trd", "bipolar"]
        assert maya.location == pytest.approx((40.8116, -73.955))
        out, _, _ = run("import_providers", str(SAMPLE))
        assert "0 created, 0 updated, 12 unchanged, 0 rejected" in out
        assert Provider.objects.count() == 12
        assert License.objects.count() == 16

    def test_a_changed_row_updates_by_npi(self, tmp_path):
        run("import_providers", str(SAMPLE))
        rows = sample_rows()
        rows[0][COLUMNS.index("insurance")] = "humana"
        out, _, _ = run("import_providers", str(write_csv(tmp_path, rows)))
        assert "0 created, 1 updated, 11 unchanged" in out
        maya = Provider.objects.get(npi="1234567893")
        assert list(maya.insurance.values_list("payer", flat=True)) == ["humana"]

    def test_a_dry_run_changes_nothing(self):
        out, _, error = run("import_providers", str(SAMPLE), "--dry-run")
        assert error is None
        assert "12 to create, 0 to update, 0 unchanged, 0 rejected" in out
        assert "Dry run: nothing was changed." in out
        assert not Provider.objects.exists()
        assert not ProviderInsurance.objects.exists()

    def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(self, tmp_path):
        good = sample_rows()[:2]
        bad_npi = [*good[0]]
        bad_npi[0] = "1234567890"
        bad_state = [*sample_rows()[2]]
        bad_state[COLUMNS.index("licenses")] = "ZZ:2027-01-01"
        bad_state[COLUMNS.index("postal_code")] = "00000"
        duplicate = [*good[1]]
        short = ["1234567893", "Too Short"]
        path = write_csv(tmp_path, [good[0], bad_npi, good[1], bad_state, duplicate, short])
        out, _, error = run("import_providers", str(path))
        assert "Checked 6 rows" in out
        assert "2 created, 0 updated, 0 unchanged, 4 rejected" in out
        lines = out.splitlines()
        assert (
            "  line 3: npi: Invalid NPI: the check digit does not match (NPI standard, "
            "Luhn with 80840)" in lines
        )
        assert (
            "  line 5: licenses.0.state: Use a US state or territory code such as 'NY'; "
            "postal_code: Unknown ZIP code"
        ) in lines
        assert "  line 6: npi: duplicate of line 4" in lines
        assert any(line.startswith("  line 7: ") for line in lines)
        assert Provider.objects.count() == 2
        assert error is not None and error.returncode == 1

    def test_a_dry_run_with_bad_rows_reports_them_and_changes_nothing(self, tmp_path):
        rows = [*sample_rows()[:1], ["2"] * len(COLUMNS)]
        out, _, error = run("import_providers", str(write_csv(tmp_path, rows)), "--dry-run")
        assert "1 to create" in out and "1 rejected" in out
        assert not Provider.objects.exists()
        assert "checked" in str(error)

    def test_line_numbers_count_physical_lines(self, tmp_path):
        rows = sample_rows()[:2]
        rows[0][COLUMNS.index("name")] = "Maya\nChen"  # a quoted newline inside a cell
        rows[1][0] = "1234567890"
        out, _, _ = run("import_providers", str(write_csv(tmp_path, rows)))
        assert "  line 4: npi: Invalid NPI" in out

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            ([c for c in COLUMNS if c != "postal_code"], "missing column(s): postal_code"),
            ([*COLUMNS, "fax"], "unknown column(s): fax"),
        ],
    )
    def test_a_bad_header_stops_before_anything(self, tmp_path, header, message):
        path = write_csv(tmp_path, [], header=header)
        _, _, error = run("import_providers", str(path))
        assert message in str(error)

    def test_missing_file(self):
        _, _, error = run("import_providers", "/nonexistent/providers.csv")
        assert "Cannot read /nonexistent/providers.csv" in str(error)

    def test_progress_on_large_files(self, tmp_path, monkeypatch):
        monkeypatch.setattr(import_providers, "PROGRESS_EVERY", 4)
        monkeypatch.setattr(import_providers, "BATCH", 4)
        _, err, _ = run("import_providers", str(SAMPLE))
        assert "  4 / 12 rows (33%)" in err
        assert "  12 / 12 rows (100%)" in err

    def test_help_documents_the_columns(self):
        out, _, _ = run("import_providers", "-", "--columns")
        for column in COLUMNS:
            assert column in out


@pytest.mark.django_db
def test_export_round_trips(tmp_path):
    run("import_providers", str(SAMPLE))
    target = tmp_path / "export.csv"
    out, _, _ = run("export_providers", "--output", str(target))
    assert "Wrote 12 providers" in out
    exported = target.read_text()
    assert exported.splitlines()[0] == ",".join(COLUMNS)
    Provider.objects.all().delete()
    out, _, _ = run("import_providers", str(target))
    assert "12 created" in out
    out, _, _ = run("import_providers", str(SAMPLE))
    assert "12 unchanged" in out


@pytest.mark.django_db
class TestGenerate:
    def test_generates_valid_listings_idempotently(self):
        out, _, _ = run("generate_providers", "--count", "120", "--seed", "7")
        assert "120 synthetic providers created, 0 already there (seed 7)" in out
        out, _, _ = run("generate_providers", "--count", "150", "--seed", "7")
        assert "30 synthetic providers created, 120 already there" in out
        providers = list(Provider.objects.prefetch_related("licenses", "insurance"))
        assert len(providers) == 150
        assert all(p.synthetic for p in providers)
        assert all(npi_problem(p.npi) is None for p in providers)
        assert all(p.location is not None for p in providers)
        assert all(
            zip_state(p.postal_code) in {lic.state for lic in p.licenses.all()} for p in providers
        )  # licensed where they practise
        assert all(p.modalities for p in providers)
        assert len({p.provider_type for p in providers}) == 4

    def test_states_follow_population(self):
        run("generate_providers", "--count", "600", "--seed", "3")
        states = [
            zip_state(code) for code in Provider.objects.values_list("postal_code", flat=True)
        ]
        big = sum(states.count(s) for s in ("CA", "TX", "FL", "NY"))
        small = sum(states.count(s) for s in ("WY", "VT", "AK", "ND"))
        assert big > 150  # about 33 % of the US population
        assert small < 15  # about 0.8 %

    def test_bad_count(self):
        _, _, error = run("generate_providers", "--count", "0")
        assert "at least 1" in str(error)


@pytest.mark.django_db
def test_the_demo_directory_is_idempotent_and_fresh():
    from demo.providers import HAND_MADE, ensure_demo_providers

    assert ensure_demo_providers(count=20) == len(HAND_MADE) + 20
    assert ensure_demo_providers(count=20) == len(HAND_MADE) + 20
    assert Provider.objects.count() == len(HAND_MADE) + 20
    assert all(npi_problem(npi) is None for npi in Provider.objects.values_list("npi", flat=True))
    maya = Provider.objects.get(npi="1234567893")
    assert maya.synthetic and maya.specialties == ["trd", "bipolar"]
