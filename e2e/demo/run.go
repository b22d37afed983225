package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/controllers"
	"github.com/dittofs/dittofs-operator/e2e/cluster"
	"github.com/dittofs/dittofs-operator/e2e/kubelet"
	"github.com/dittofs/dittofs-operator/internal/nfsprobe"
	"github.com/dittofs/dittofs-operator/internal/scheme"
	"github.com/dittofs/dittofs-operator/internal/toolchain"
	"github.com/dittofs/dittofs-operator/phases/server"
)

const (
	namespace = "demo"
	sample    = "media"
)

func run(ctx context.Context, exitWhenServing bool, timeout time.Duration) error {
	root, err := toolchain.RepoRoot()
	if err != nil {
		return err
	}
	dfsDir, err := toolchain.Dir("dittofs")
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

	// The server pods are played by the real dfs binary, started from what the operator writes.
	k8s, err := client.New(c.RESTConfig, client.Options{Scheme: scheme.New()})
	if err != nil {
		return err
	}
	node := kubelet.NewNode(c.WorkDir, filepath.Join(dfsDir, "dfs"), k8s)
	nodeCtx, stopNode := context.WithCancel(ctx)
	nodeDone := make(chan struct{})
	go func() { defer close(nodeDone); node.Run(nodeCtx) }()
	defer func() { stopNode(); <-nodeDone }()

	// kwok reports the pod ready before dfs is up, so the first calls to the server fail; retry
	// sooner than in production so the demo shows the recovery without a long wait.
	access := server.Access{Locate: node.Locate, RetryAfter: 2 * time.Second, MaxRetryAfter: 4 * time.Second}
	op, err := startOperator(ctx, c, controllers.Options{ServerAccess: access})
	if err != nil {
		return err
	}
	defer op.stop()

	say("applying deploy/samples/dittofs-sqlite.yaml in namespace " + namespace)
	if out, err := c.Kubectl(ctx, "create", "namespace", namespace); err != nil {
		return fmt.Errorf("kubectl create namespace: %v: %s", err, out)
	}
	if out, err := c.Kubectl(ctx, "apply", "-n", namespace, "-f", filepath.Join(root, "deploy", "samples", "dittofs-sqlite.yaml")); err != nil {
		return fmt.Errorf("kubectl apply: %v: %s", err, out)
	}
	pod, err := node.Pod(types.NamespacedName{Namespace: namespace, Name: sample})
	if err != nil {
		return err
	}

	if err := watchPhases(ctx, c, op, node.Errors, timeout); err != nil {
		return err
	}
	if err := showExports(ctx, pod); err != nil {
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
  kubectl get events -n demo --sort-by=.metadata.creationTimestamp

The operator's log is %s; the server's is %s.
Press Ctrl-C to stop the operator, the server and the cluster.
`, c.Kubeconfig, c.KubectlPath, op.logPath, pod.LogPath)
	select {
	case <-ctx.Done():
	case <-op.exited():
		return fmt.Errorf("the operator stopped: %v (log %s)", op.running.Stop(), op.logPath)
	}
	return nil
}

// showExports reads the export list from the real server over the MOUNT protocol, the way
// `showmount -e` would.
func showExports(ctx context.Context, pod *kubelet.Pod) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	exports, err := nfsprobe.Exports(ctx, pod.NFSAddr())
	if err != nil {
		return fmt.Errorf("read the NFS export list from %s: %w", pod.NFSAddr(), err)
	}
	dirs := nfsprobe.Dirs(exports)
	fmt.Printf("\n$ showmount -e %s   (MOUNT EXPORT call to the real DittoFS server)\n%s\n",
		pod.NFSAddr(), strings.Join(dirs, "\n"))
	if !slices.Contains(dirs, "/media") {
		return fmt.Errorf("the server does not export /media (exports: %v)", dirs)
	}
	return nil
}
