# Sourced by scripts/run and scripts/test: make sure ./.venv is a working Python 3.11+ venv.
# `python3 -m venv` without Debian's python3-venv leaves a .venv without pip: that counts as
# missing, and as root we install python3-venv and build it again.

if ! command -v python3 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "Shouwang needs Python 3.11 or newer as python3 (found: $(python3 --version 2>&1 || echo none))." >&2
    exit 1
fi
if [ ! -x .venv/bin/pip ]; then
    rm -rf .venv
    if ! python3 -m venv .venv >/dev/null 2>&1; then
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing python3-venv"
            apt-get update -q >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
            python3 -m venv .venv
        else
            echo "python3 -m venv failed: install the venv module (sudo apt-get install python3-venv) and run again." >&2
            exit 1
        fi
    fi
fi
