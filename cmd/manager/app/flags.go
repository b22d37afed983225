// Package app turns the manager's command line into controllers.Options. The Helm chart's tests
// parse the Deployment's arguments with the same flag set, so the chart cannot pass a flag the
// binary does not know.
package app

import (
	"flag"
	"strings"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/controllers"
)

// Flags are the operator's command-line flags.
type Flags struct {
	options         controllers.Options
	watchNamespaces string
	serverLocations string
	qps             *float64
}

// BindFlags registers the operator's flags on fs.
func BindFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	o := &f.options
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8443", "Address of the HTTPS metrics endpoint; \"0\" turns it off.")
	fs.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles; needed with more than one replica.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader-election lease; defaults to the operator's own namespace.")
	fs.StringVar(&f.watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all namespaces.")
	fs.StringVar(&o.DefaultImage, "default-dittofs-image", v1alpha1.DefaultImage, "DittoFS server image for a DittoFS whose spec.image is empty.")
	fs.IntVar(&o.Workers, "max-concurrent-reconciles", controllers.DefaultWorkers, "How many DittoFS are reconciled at once; one slow server then holds up only its own worker.")
	qps := fs.Float64("kube-api-qps", controllers.DefaultQPS, "Requests per second the operator sends to the Kubernetes API server on average; negative turns the client-side limit off.")
	fs.IntVar(&o.Burst, "kube-api-burst", controllers.DefaultBurst, "Requests the operator may send to the Kubernetes API server in a burst above --kube-api-qps.")
	f.qps = qps
	fs.StringVar(&o.OperatorNamespace, "operator-namespace", "", "The operator's own namespace: each server's NetworkPolicy admits its REST API from there only; empty admits it from every namespace.")
	// An operator outside the cluster (development, the end-to-end fault suite) cannot resolve the
	// in-cluster API Services; these say where the servers are and how soon to retry them.
	fs.StringVar(&f.serverLocations, "server-locations", "", "Only for an operator running outside the cluster: a JSON file mapping \"namespace/name\" of a DittoFS to where its server answers ({baseURL, dataRoot, nfsPort, smbPort}), read on each reconcile; empty uses the in-cluster API Service.")
	fs.DurationVar(&o.ServerAccess.RetryAfter, "server-retry-after", 0, "How soon to look again at a server after a failure, doubling up to eight times as much; 0 means 30s.")
	return f
}

// Options are the settings the parsed flags describe.
func (f *Flags) Options() controllers.Options {
	o := f.options
	o.QPS = float32(*f.qps)
	if f.watchNamespaces != "" {
		o.WatchNamespaces = strings.Split(f.watchNamespaces, ",")
	}
	if f.serverLocations != "" {
		o.ServerAccess.Locate = locateFrom(f.serverLocations)
	}
	return o
}
