// Command manager runs the DittoFS operator.
package main

import (
	"flag"
	"os"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/manager"
)

func main() {
	var o manager.Options
	var watchNamespaces string
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8443", "Address of the HTTPS metrics endpoint; \"0\" turns it off.")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.BoolVar(&o.LeaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles; needed with more than one replica.")
	flag.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader-election lease; defaults to the operator's own namespace.")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all namespaces.")
	flag.StringVar(&o.DefaultImage, "default-dittofs-image", v1alpha1.DefaultImage, "DittoFS server image for a DittoFS whose spec.image is empty.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	if watchNamespaces != "" {
		o.WatchNamespaces = strings.Split(watchNamespaces, ",")
	}

	mgr, err := manager.New(ctrl.GetConfigOrDie(), o)
	if err == nil {
		ctrl.Log.Info("starting manager", "watchNamespaces", o.WatchNamespaces, "leaderElection", o.LeaderElect)
		err = mgr.Start(ctrl.SetupSignalHandler())
	}
	if err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
