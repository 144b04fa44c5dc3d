#!/usr/bin/env bash
# Builds the DNS stack of the region tests into the directory given as $1: CoreDNS with only the plugins
# the tests use (coredns/main.go) and external-dns (external-dns/go.mod, its own main), each pinned by its
# own Go module so neither's dependencies move the other's. The etcd they share is the cluster group's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
for pin in "coredns github.com/coredns/coredns $COREDNS_VERSION" "external-dns sigs.k8s.io/external-dns $EXTERNAL_DNS_VERSION"; do
  read -r dir module version <<<"$pin"
  grep -Eq "(^require |^\s+)$module $version( |\$)" "$here/$dir/go.mod" ||
    { echo "build-tools: tools/dns/$dir/go.mod does not require $module $version (versions.env)" >&2; exit 1; }
done
echo "build-tools: coredns $COREDNS_VERSION" >&2
(cd "$here/coredns" && go build -ldflags "-s -w" -o "$bin/coredns" .)
echo "build-tools: external-dns $EXTERNAL_DNS_VERSION" >&2
(cd "$here/external-dns" && go build -ldflags "-s -w -X sigs.k8s.io/external-dns/pkg/apis/externaldns.Version=$EXTERNAL_DNS_VERSION" \
  -o "$bin/external-dns" sigs.k8s.io/external-dns)
