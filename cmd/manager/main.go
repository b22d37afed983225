// Command manager runs the DittoFS operator.
package main

import (
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/cmd/manager/app"
	"github.com/dittofs/dittofs-operator/controllers"
)

func main() {
	flags := app.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	o := flags.Options()

	op, err := controllers.New(ctrl.GetConfigOrDie(), o)
	if err == nil {
		ctrl.Log.Info("starting manager", "watchNamespaces", o.WatchNamespaces, "leaderElection", o.LeaderElect)
		err = op.Start(ctrl.SetupSignalHandler())
	}
	if err != nil {
		ctrl.Log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
