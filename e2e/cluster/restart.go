package cluster

import (
	"fmt"
	"os"
	"time"
)

// RestartExited starts again, with the same arguments, every component (kube-controller-manager,
// kube-scheduler, kwok) that has exited, as the kubelet restarts a crashed static pod, and
// returns what it restarted and why each had ended. Some exit by design after an API server
// outage: kube-scheduler, for one, exits when it finds its cache inconsistent with what it
// relists. Their logs go on in the same file, after a marker line.
func (c *Cluster) RestartExited() ([]string, error) {
	var restarted []string
	for i, ch := range c.children {
		done, waitErr := ch.exited()
		if !done {
			continue
		}
		if f, err := os.OpenFile(ch.logPath, os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			fmt.Fprintf(f, "\n===== restarted by the harness at %s after it exited (%v) =====\n", time.Now().Format(time.RFC3339Nano), waitErr)
			_ = f.Close()
		}
		next, err := runChild(ch.name, ch.path, ch.args, ch.logPath, os.O_APPEND)
		if err != nil {
			return restarted, err
		}
		c.children[i] = next
		restarted = append(restarted, fmt.Sprintf("%s (exited: %v; log %s)", ch.name, waitErr, ch.logPath))
	}
	return restarted, nil
}
