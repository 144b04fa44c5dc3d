#!/usr/bin/env bash
# Builds the tools the tests and `npm run dev` run (the local control plane, and every other group under
# hack/tools/<group>/build.sh) from pinned Go modules into a cache outside the repo. Each group is built
# once per version of its inputs (versions.env and the group's folder); all binaries are then linked
# into one bin directory, printed on the last line. Nothing is downloaded but Go modules.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
# shellcheck source=tools/versions.env
set -a; source "$tools/versions.env"; set +a
cache="${AUTOPILOT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/autopilot-tools}"
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

# A group's inputs: its folder, and the pins of versions.env its build.sh names (not the other groups').
hash_of() {
  (
    cd "$1" && find . -type f ! -name '*.test' | LC_ALL=C sort | xargs sha256sum
    grep -oE '\$\{?[A-Z_]+_VERSION' build.sh | tr -d '${' | sort -u | while read -r pin; do grep -E "^$pin=" "$tools/versions.env" || true; done
  ) | sha256sum | cut -c1-16
}

dirs=()
for build in "$tools"/*/build.sh; do
  group="$(basename "$(dirname "$build")")"
  dir="$cache/$group-$(hash_of "$(dirname "$build")")"
  mkdir -p "$cache"
  (
    # Two checkouts building the same group at once wait for each other instead of sharing a half-built dir.
    flock 9
    if [[ ! -f "$dir/.complete" ]]; then
      rm -rf "$dir"; mkdir -p "$dir/bin"
      started=$SECONDS
      # A failed or interrupted build leaves no .complete: the next run starts that group over.
      bash "$build" "$dir/bin" >&2
      touch "$dir/.complete"
      echo "build-tools: $group built in $((SECONDS - started)) s" >&2
    fi
  ) 9>"$dir.lock"
  dirs+=("$dir")
done

bin="$cache/bin-$(printf '%s\n' "${dirs[@]}" | sha256sum | cut -c1-16)"
(
  flock 9
  if [[ ! -f "$bin/.complete" ]]; then
    rm -rf "$bin"; mkdir -p "$bin"
    for dir in "${dirs[@]}"; do ln -sf "$dir"/bin/* "$bin/"; done
    grep -E '^[A-Z_]+=' "$tools/versions.env" > "$bin/versions.env"
    touch "$bin/.complete"
  fi
) 9>"$bin.lock"
echo "$bin"
