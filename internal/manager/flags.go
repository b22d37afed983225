package manager

import (
	"flag"
	"strings"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// Flags are the operator's command-line flags. The Helm chart's tests parse the Deployment's
// arguments with the same flag set, so the chart cannot pass a flag the binary does not know.
type Flags struct {
	options         Options
	watchNamespaces string
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
	return f
}

// Options are the settings the parsed flags describe.
func (f *Flags) Options() Options {
	o := f.options
	if f.watchNamespaces != "" {
		o.WatchNamespaces = strings.Split(f.watchNamespaces, ",")
	}
	return o
}
