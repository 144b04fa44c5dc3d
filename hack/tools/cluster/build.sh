#!/usr/bin/env bash
# Builds the local control plane: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd,
# kwok, kwokctl and helm, from the pinned Go modules, into the directory given as $1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
for pin in "k8s.io/kubernetes $KUBERNETES_VERSION" "go.etcd.io/etcd/server/v3 $ETCD_VERSION"; do
  grep -Eq "(^require |^\s+)$pin( |\$)" "$here/go.mod" || { echo "build-tools: tools/cluster/go.mod does not require $pin (versions.env)" >&2; exit 1; }
done
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
ver="k8s.io/component-base/version"
ldflags="-s -w -X $ver.gitVersion=$KUBERNETES_VERSION -X $ver.gitMajor=1 -X $ver.gitMinor=$minor -X $ver.gitTreeState=clean"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
(
  cd "$here"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    echo "build-tools: $cmd $KUBERNETES_VERSION" >&2
    go build -ldflags "$ldflags" -o "$bin/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  done
  echo "build-tools: etcd $ETCD_VERSION" >&2
  go build -ldflags "-s -w" -o "$bin/etcd" ./cmd/etcd
)
echo "build-tools: kwok, kwokctl $KWOK_VERSION; helm $HELM_VERSION" >&2
GOBIN="$bin" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" \
  "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
GOBIN="$bin" go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
