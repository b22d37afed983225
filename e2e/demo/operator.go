package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
)

// operator is the operator running in this process, built by controllers.New exactly as the
// binary builds it, with its log in a file so the demo's output stays readable.
type operator struct {
	logPath string
	running *controllers.Running
	logFile *os.File
}

func startOperator(ctx context.Context, c *cluster.Cluster, o controllers.Options) (*operator, error) {
	logPath := filepath.Join(c.WorkDir, "operator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(logFile)))
	say("running the operator (log: " + logPath + ")")
	op, err := controllers.New(c.RESTConfig, o)
	if err != nil {
		return nil, errors.Join(err, logFile.Close())
	}
	return &operator{logPath: logPath, running: op.Background(ctx), logFile: logFile}, nil
}

// exited is closed when the operator stops before the demo asked it to.
func (op *operator) exited() <-chan struct{} { return op.running.Done() }

func (op *operator) stop() {
	_ = op.running.Stop()
	_ = op.logFile.Close()
}
