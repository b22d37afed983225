package main

import (
	"context"
	"os"
	"path/filepath"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/internal/manager"
)

// operator is the operator running in this process, built exactly as cmd/manager builds it, with
// its log in a file so the demo's output stays readable.
type operator struct {
	logPath string
	exited  chan error
	stop    func()
}

func startOperator(ctx context.Context, c *cluster.Cluster, o manager.Options) (*operator, error) {
	logPath := filepath.Join(c.WorkDir, "operator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(logFile)))
	say("running the operator (log: " + logPath + ")")
	mgr, err := manager.New(c.RESTConfig, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	op := &operator{logPath: logPath, exited: make(chan error, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		op.exited <- mgr.Start(ctx)
	}()
	op.stop = func() {
		cancel()
		<-done
		_ = logFile.Close()
	}
	return op, nil
}
