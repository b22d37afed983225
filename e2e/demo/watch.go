package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dittofs/dittofs-operator/e2e/cluster"
)

// watchPhases prints `kubectl get dittofs` whenever the row changes, until the sample is Serving
// with an NFS endpoint and every share ready, the operator or the server fails, or the timeout
// passes.
func watchPhases(ctx context.Context, c *cluster.Cluster, op *operator, podErrs <-chan error, timeout time.Duration) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		out, err := c.Kubectl(ctx, "get", "dittofs", "-n", namespace, "--no-headers",
			"-o", "custom-columns=PHASE:.status.phase,NFS:.status.endpoints.nfs,READY:.status.conditions[?(@.type==\"Ready\")].status,REASON:.status.conditions[?(@.type==\"Ready\")].reason")
		row := strings.TrimSpace(string(out))
		if err == nil && row != last {
			table, _ := c.Kubectl(ctx, "get", "dittofs", "-n", namespace, "-o", "wide")
			fmt.Printf("\n$ kubectl get dittofs -n demo -o wide   (%s)\n%s", time.Now().Format("15:04:05"), table)
			last = row
		}
		fields := strings.Fields(row)
		if len(fields) >= 3 && fields[0] == "Serving" && fields[1] != "<none>" && fields[2] == "True" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-op.exited():
			return fmt.Errorf("the operator stopped: %v (log %s)", op.running.Stop(), op.logPath)
		case err := <-podErrs:
			return err
		case <-deadline:
			desc, _ := c.Kubectl(ctx, "describe", "dittofs", "-n", "demo")
			return fmt.Errorf("not Serving after %s; last seen %q\n%s", timeout, row, desc)
		case <-tick.C:
		}
	}
}
