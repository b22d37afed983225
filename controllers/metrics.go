package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics filter asks the API server who sent a request's bearer token (TokenReview) and
// whether that subject may get the /metrics URL (SubjectAccessReview).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsOptions serve metrics over HTTPS on addr ("0": off) to authenticated and authorised
// clients only: a scraper sends a ServiceAccount token whose subject is granted get on the
// non-resource URL /metrics (the chart's metrics-reader ClusterRole). Metrics describe every
// DittoFS the operator manages, and an open endpoint is also one anybody in the cluster can load.
func metricsOptions(addr string) metricsserver.Options {
	o := metricsserver.Options{BindAddress: addr}
	if addr != "0" {
		o.SecureServing = true
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return o
}
