package cluster

import (
	"os"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// auditPolicy records who sent each request, with which verb on what, once it has completed;
// never a request or response body.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
`

// configureAudit turns on the API server's audit log. Batch mode buffers events, so that the
// log costs the API server as little as it can while it is measured.
func (c *Cluster) configureAudit(api *envtest.APIServer) error {
	policy := filepath.Join(c.WorkDir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return err
	}
	api.Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", c.AuditLog).
		Set("audit-log-format", "json").
		Set("audit-log-mode", "batch").
		Set("audit-log-batch-max-wait", "1s").
		// The log is read by offset as it grows; it must not rotate (the default is at 100 MB).
		Set("audit-log-maxsize", "1000000")
	return nil
}

// APIServerPID is the process ID of this cluster's kube-apiserver, for measuring what it costs.
func (c *Cluster) APIServerPID() (int, error) {
	return processWithArg("--cert-dir=" + c.env.ControlPlane.APIServer.CertDir)
}
