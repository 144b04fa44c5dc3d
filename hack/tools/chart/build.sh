#!/usr/bin/env bash
# Builds the Helm chart's test tools from the pinned Go modules into the directory given as $1:
# helm-unittest (the chart's unit suites) and argocd-health (Argo CD health.lua scripts in gopher-lua).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
for pin in "github.com/helm-unittest/helm-unittest $HELM_UNITTEST_VERSION" "github.com/yuin/gopher-lua $GOPHER_LUA_VERSION"; do
  grep -Eq "(^require |^\s+)$pin( |\$)" "$here/go.mod" || { echo "build-tools: tools/chart/go.mod does not require $pin (versions.env)" >&2; exit 1; }
done
cd "$here"
echo "build-tools: helm-unittest $HELM_UNITTEST_VERSION, argocd-health (gopher-lua $GOPHER_LUA_VERSION)" >&2
go build -ldflags "-s -w" -o "$bin/helm-unittest" github.com/helm-unittest/helm-unittest/cmd/helm-unittest
go build -ldflags "-s -w" -o "$bin/argocd-health" ./cmd/argocd-health
