# Shared shell helpers for scripts/*.sh. Sourced, never run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/scripts/versions.env"
TOOL_CACHE="${HIRE10X_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hire10x-analytics}"

step() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() {
  printf '\033[31merror:\033[0m %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '       %s\n' "${@:2}" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# tool_bin NAME VERSION -> the directory a pinned tool is installed into.
tool_bin() { printf '%s/%s/%s/bin' "$TOOL_CACHE" "$1" "${2#v}"; }

# go_tool NAME MODULE VERSION BINARY: `go install MODULE@VERSION` into the per-version cache, once.
go_tool() {
  local name="$1" module="$2" version="$3" binary="$4" dir
  dir="$(tool_bin "$name" "$version")"
  if [ -x "$dir/$binary" ]; then
    info "$name $version: cached at $dir"
    return 0
  fi
  have go || die "$name needs Go to build from the module proxy, and 'go' is not on PATH." \
    "Install Go 1.22+ (https://go.dev/doc/install) or put a prebuilt '$binary' at $dir/$binary."
  step "building $name $version with go install (first time only; cached afterwards)"
  local tmp="$dir.partial.$$" start=$SECONDS
  mkdir -p "$tmp"
  if ! GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$module@$version" >&2; then
    rm -rf "$tmp"
    die "go install $module@$version failed (see the output above)." \
      "Check that the Go module proxy is reachable (go env GOPROXY) and retry: npm run bootstrap"
  fi
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir" && mv "$tmp" "$dir"
  info "$name $version built in $((SECONDS - start))s -> $dir"
}

# go_module_tool NAME MODDIR VERSION BINARY PACKAGE: `go build` PACKAGE inside the committed module MODDIR
# (scripts/go-tools/<name>), for tools whose module cannot be `go install`ed by version.
go_module_tool() {
  local name="$1" moddir="$2" version="$3" binary="$4" package="$5" dir
  dir="$(tool_bin "$name" "$version")"
  if [ -x "$dir/$binary" ]; then
    info "$name $version: cached at $dir"
    return 0
  fi
  grep -q "$version" "$moddir/go.mod" || die "$moddir/go.mod does not require $name $version (scripts/versions.env)."
  have go || die "$name needs Go to build, and 'go' is not on PATH." "Install Go 1.22+ (https://go.dev/doc/install)."
  step "building $name $version (first time only, slow: C++ inside; cached afterwards)"
  local tmp="$dir.partial.$$" start=$SECONDS
  mkdir -p "$tmp"
  if ! (cd "$moddir" && go build -trimpath -o "$tmp/$binary" "$package") >&2; then
    rm -rf "$tmp"
    die "building $name $version failed (see the output above)." "Check the Go module proxy and the C++ toolchain, then retry: npm run bootstrap"
  fi
  rm -rf "$dir" && mv "$tmp" "$dir"
  info "$name $version built in $((SECONDS - start))s -> $dir"
}

apt_install() {
  local what="$1"
  shift
  if [ "$(id -u)" != 0 ]; then
    have sudo || die "$what is missing and this user cannot install it." "Run as root: apt-get install -y $*"
    sudo -n true 2>/dev/null || die "$what is missing." "Install it with: sudo apt-get install -y $*"
    SUDO=sudo
  else
    SUDO=
  fi
  have apt-get || die "$what is missing and apt-get is not available." "Install $* with your package manager."
  step "installing $what from Debian packages: $*"
  if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
    $SUDO apt-get update -qq >&2
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2 || {
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2
  } || die "apt-get install $* failed." "Run 'apt-get update' and retry, or install $what by hand."
}

# pip_tool NAME VERSION: `pip install NAME==VERSION` into a venv of its own under the per-version cache, once
# (a venv's scripts carry its absolute path, so it is built in place, under a lock, and marked complete last).
# Prints the venv's bin directory.
pip_tool() {
  local name="$1" version="$2" dir venv
  dir="$(tool_bin "$name" "$version")"
  venv="$(dirname "$dir")"
  mkdir -p "$(dirname "$venv")"
  (
    flock 8
    if [ -f "$venv/.complete" ]; then
      info "$name $version: cached at $venv"
      exit 0
    fi
    local py="${PYTHON:-python3}"
    have "$py" || die "$name needs Python $PYTHON_MIN_VERSION+, and '$py' is not on PATH." "apt-get install -y python3 python3-venv"
    step "installing $name $version from PyPI into its own venv (first time only; cached afterwards)"
    rm -rf "$venv"
    "$py" -m venv "$venv" >&2 || die "python3 -m venv failed." "Install the venv module: apt-get install -y python3-venv"
    if ! "$dir/pip" install --disable-pip-version-check -q "$name==$version" >&2; then
      rm -rf "$venv"
      die "pip install $name==$version failed (see above)." "Check access to PyPI and retry."
    fi
    touch "$venv/.complete"
    info "$name $version installed -> $venv"
  ) 8>"$venv.lock"
  printf '%s\n' "$dir"
}

# python_venv_dir: the project venv's directory in the cache, keyed by the interpreter's version and the content of
# $PYTHON_REQUIREMENTS, so an edited requirements file (or another Python) gets a venv of its own, built once.
python_venv_dir() {
  local py="${PYTHON:-python3}" key
  key="$( { "$py" --version; cat "$ROOT/$PYTHON_REQUIREMENTS"; } | sha256sum | cut -c1-16)"
  printf '%s/venv/%s\n' "$TOOL_CACHE" "$key"
}

# ensure_python_venv [--quiet]: builds the venv of the current requirements if the cache lacks it (under a lock,
# marked complete last) and points .venv at it. Cheap when it exists, so the Python scripts call it before every run:
# a .venv left pointing at the venv of an older requirements file is re-pointed (and the new venv built) here.
ensure_python_venv() {
  local py="${PYTHON:-python3}" quiet="${1:-}" venv
  have "$py" || die "python3 is not installed." "Install Python $PYTHON_MIN_VERSION+ (apt-get install -y python3 python3-venv)."
  "$py" -c "import sys; sys.exit(0 if sys.version_info[:2] >= tuple(map(int, '$PYTHON_MIN_VERSION'.split('.'))) else 1)" \
    || die "$($py --version) is too old." "This project needs Python $PYTHON_MIN_VERSION or newer."
  venv="$(python_venv_dir)"
  mkdir -p "$(dirname "$venv")"
  (
    flock 7
    if [ -f "$venv/.complete" ]; then
      [ "$quiet" = --quiet ] || info "venv ($PYTHON_REQUIREMENTS): cached at $venv"
      exit 0
    fi
    step "Python virtual environment ($PYTHON_REQUIREMENTS): creating $venv"
    rm -rf "$venv"
    "$py" -m venv "$venv" >&2 || die "python3 -m venv failed." "Install the venv module: apt-get install -y python3-venv"
    "$venv/bin/pip" install --disable-pip-version-check -q --upgrade pip >&2
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$ROOT/$PYTHON_REQUIREMENTS" >&2 \
      || { rm -rf "$venv"; die "pip install -r $PYTHON_REQUIREMENTS failed (see above)." "Check access to PyPI and retry."; }
    touch "$venv/.complete"
  ) 7>"$venv.lock"
  [ "$(readlink "$ROOT/.venv" 2>/dev/null)" = "$venv" ] || ln -sfn "$venv" "$ROOT/.venv"
}
