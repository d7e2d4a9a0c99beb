"""``python -m bench.report [FILE]``: the figures of a results file as a Markdown table.

docs/performance.md pastes its output, so the table can be refreshed after ``make bench``.
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def markdown(result: dict) -> str:
    m, v = result["machine"], result["versions"]
    lines = [
        f"{result['mode']} run of {result['generated_at']}, {result['wall_s']:.0f} s: "
        f"{m['cpu_model']}, {m['cpus']} CPUs, {m['ram_gib']} GiB RAM; disk "
        f"{fmt(result['disk']['fdatasync_ops_per_s'])} fdatasync/s (pg_test_fsync); "
        f"Python {v['python']}, Django {v['django']}, DRF {v['djangorestframework']}, "
        f"PostgreSQL {v['postgresql']}, Redis {v['redis']}, gunicorn {v['gunicorn']}, "
        f"Celery {v['celery']}.",
        "",
        "| figure | value | unit | target | result |",
        "|---|---:|---|---|---|",
    ]
    for f in result["figures"]:
        verdict = "" if f["pass"] is None else ("pass" if f["pass"] else "**miss**")
        lines.append(
            f"| `{f['id']}` | {fmt(f['value'])} | {f['unit']} | {f['target'] or ''} | {verdict} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "latest.json"
    print(markdown(json.loads(path.read_text())))
