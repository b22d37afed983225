#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: PostgreSQL (initdb, pg_ctl,
# psql) for the PostgreSQL end-to-end tests, skopeo to read the image `make image` builds
# (hack/image's tests), and shellcheck, which actionlint runs on the workflows' scripts. Quiet and
# instant when everything is there.
set -euo pipefail

missing=()
# The tests run initdb/pg_ctl from /usr/lib/postgresql/<major>/bin, and psql.
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || ! command -v psql >/dev/null; then
  missing+=(postgresql)
fi
command -v skopeo >/dev/null || missing+=(skopeo)
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "system-deps: missing ${missing[*]} and this is not a Debian-like system; install them by hand" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "system-deps: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "system-deps: installing ${missing[*]}" >&2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! { "${sudo[@]}" apt-get update -qq && \
       "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$out" 2>&1; then
  cat "$out" >&2
  echo "system-deps: installing ${missing[*]} failed" >&2
  exit 1
fi
