#!/usr/bin/env bash
# Builds the real Kubernetes control plane for the tests (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler as one multi-call binary, `kubecp`) from
# Kubernetes' own Go modules, once, into a cache outside the repository keyed by this
# module's files. Prints the binary's path. A warm run takes well under a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
command -v go >/dev/null || { echo "go is not installed: the real-cluster tests build Kubernetes from its Go modules (Go >= 1.24)" >&2; exit 1; }
# The release the binary reports on /version: the k8s.io/kubernetes version go.mod pins.
release="$(sed -n 's/^\tk8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/go.mod")"
[ -n "$release" ] || { echo "tests/kube/go.mod pins no k8s.io/kubernetes version" >&2; exit 1; }
key="$(cat "$here/go.mod" "$here/go.sum" "$here/kubecp/main.go" "$0" | sha256sum | cut -c1-16)"
cache="${KAFKACTL_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafkactl-kube}/$key"
bin="$cache/kubecp"
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  major="${release#v}"; major="${major%%.*}"
  minor="${release#v*.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$release -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=0000000000000000000000000000000000000000"
    ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  start=$(date +%s)
  echo "building the Kubernetes $release control plane (kubecp) into $cache; a cold build takes several minutes" >&2
  (cd "$here" && go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" ./kubecp)
  mv "$bin.tmp" "$bin"
  echo "built kubecp in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin"
