// Command demo is the README's first command: it starts a simulated local cluster (real
// control plane, kwok nodes), runs the operator binary against it, applies the sample DittoFS and
// prints `kubectl get dittofs` each time the phase changes until it is Serving. It then keeps the
// cluster up for you to look around, until Ctrl-C. With -exit it stops once Serving (tests use it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/dittofs/dittofs-operator/e2e/cluster"
)

func main() {
	exit := flag.Bool("exit", false, "stop as soon as the sample is Serving")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long to wait for Serving")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *exit, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, exitWhenServing bool, timeout time.Duration) error {
	root, err := cluster.RepoRoot()
	if err != nil {
		return err
	}
	say("starting a local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)")
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping the local cluster")
		_ = c.Stop()
	}()

	say("installing the DittoFS CRD")
	if err := c.InstallCRDs(ctx, filepath.Join(root, "deploy", "crd")); err != nil {
		return err
	}

	op, err := startOperator(ctx, root, c)
	if err != nil {
		return err
	}
	defer op.stop()

	say("applying deploy/samples/dittofs-sqlite.yaml in namespace demo")
	if _, err := c.Kubectl(ctx, "create", "namespace", "demo"); err != nil {
		return err
	}
	if out, err := c.Kubectl(ctx, "apply", "-n", "demo", "-f", filepath.Join(root, "deploy", "samples", "dittofs-sqlite.yaml")); err != nil {
		return fmt.Errorf("kubectl apply: %v: %s", err, out)
	}

	if err := watchPhases(ctx, c, op, timeout); err != nil {
		return err
	}
	if exitWhenServing {
		return nil
	}
	fmt.Printf(`
The sample DittoFS is Serving. Look around:

  export KUBECONFIG=%s
  alias kubectl=%s
  kubectl get dittofs -n demo
  kubectl describe dittofs media -n demo
  kubectl get statefulsets,pods,pvc,services,configmaps,secrets -n demo
  kubectl get events -n demo --sort-by=.lastTimestamp

The operator's log is %s.
Press Ctrl-C to stop the operator and the cluster.
`, c.Kubeconfig, c.KubectlPath, op.logPath)
	select {
	case <-ctx.Done():
	case <-op.exited:
		return fmt.Errorf("the operator exited; see %s", op.logPath)
	}
	return nil
}

func say(msg string) { fmt.Printf("==> %s\n", msg) }
