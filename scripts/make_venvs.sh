#!/usr/bin/env bash
# Build .venv-X.Y with the project and its dev tools for each CPython 3.10 to 3.13,
# so that the version tests can run the engine and the suite can run under it.
# An interpreter comes from pyenv's versions folder (the newest patch
# release) or from pythonX.Y on PATH. The minor version of $VENV (.venv) is left
# out because that venv already covers it. Usage: scripts/make_venvs.sh [X.Y ...]
set -euo pipefail

cd "$(dirname "$0")/.."
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
    versions=(3.10 3.11 3.12 3.13)
fi
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
main_version=""
if [ -x "${VENV:-.venv}/bin/python" ]; then
    main_version="$("${VENV:-.venv}/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
fi

find_python() {
    local version="$1" candidate
    candidate="$(ls -d "$pyenv_root/versions/$version".* 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$candidate" ] && [ -x "$candidate/bin/python" ]; then
        echo "$candidate/bin/python"
        return
    fi
    command -v "python$version" || true
}

for version in "${versions[@]}"; do
    if [ "$version" = "$main_version" ]; then
        echo "skip $version: ${VENV:-.venv} already uses it"
        continue
    fi
    python="$(find_python "$version")"
    if [ -z "$python" ]; then
        echo "skip $version: no interpreter found in $pyenv_root/versions or on PATH"
        continue
    fi
    target=".venv-$version"
    echo "build $target with $python"
    "$python" -m venv "$target"
    "$target/bin/python" -m pip install --quiet --upgrade pip
    # The dev extras, so that every test of the suite (the service's included)
    # can run under this interpreter too.
    "$target/bin/python" -m pip install --quiet -e '.[dev]'
done
