#!/usr/bin/env bash
# Create the virtualenv with Python >= 3.12 (pyenv's 3.12.1 through .python-version when
# present) and install the pinned requirements.
set -euo pipefail
venv=${1:-.venv}
cd "$(dirname "$0")/.."

find_python() {
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv prefix "$(cat .python-version)" 2>/dev/null)/bin/python" )
  fi
  candidates+=("$HOME/.pyenv/versions/$(cat .python-version)/bin/python" python3.14 python3.13 python3.12 python3)
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  py=$(find_python) || { echo "Python >= 3.12 is required (Django 6). Install it (e.g. pyenv install 3.12.1)." >&2; exit 1; }
  echo "Creating $venv with $("$py" --version)"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "Dependencies installed in $venv"
