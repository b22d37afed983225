package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dittofs/dittofs-operator/e2e/cluster"
)

// operatorProcess is the operator binary running against the local cluster, as it would in a pod.
type operatorProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

func startOperator(ctx context.Context, root string, c *cluster.Cluster) (*operatorProcess, error) {
	bin := filepath.Join(c.WorkDir, "manager")
	say("building the operator (go build ./cmd/manager)")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/manager")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v: %s", err, out)
	}
	logPath := filepath.Join(c.WorkDir, "operator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	say("running the operator (log: " + logPath + ")")
	cmd := exec.Command(bin, "--kubeconfig", c.Kubeconfig, "--metrics-bind-address", "0", "--health-probe-bind-address", "0")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	op := &operatorProcess{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(op.exited)
	}()
	return op, nil
}

// stop asks the operator to shut down and waits a little for it.
func (op *operatorProcess) stop() {
	_ = op.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-op.exited:
	case <-time.After(10 * time.Second):
		_ = op.cmd.Process.Kill()
	}
}
