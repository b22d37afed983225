// Package specs holds pure builders: each function turns a DittoFS (and facts the steps observed)
// into the Kubernetes object the operator wants, with no API calls, so that every object can be
// tested against golden files apart from the reconciler.
package specs
