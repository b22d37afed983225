// Package helm tests the operator's Helm chart (deploy/helm/dittofs-operator): lint, golden
// renders and schema checks with the helm binary hack/tools.sh builds, and install, upgrade and
// uninstall against the simulated cluster of e2e/cluster, with the operator's reconciler running
// in-process under the chart's ServiceAccount. Everything is in the _test files.
package helm
