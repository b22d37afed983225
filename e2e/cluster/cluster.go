// Package cluster runs a simulated Kubernetes cluster on this machine for end-to-end tests and
// demos: a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler, plus kwok, which
// plays the kubelets of one fake node (it renews the node's Lease, so the node stays Ready for as
// long as the cluster runs; pods go Running and Ready, volumes get bound). Only the
// container runtime is simulated. Binaries come from hack/tools.sh; ports are picked free so
// several clusters can run side by side.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options configures Start. The zero value is fine.
type Options struct {
	// WorkDir holds the kubeconfig, certificates, etcd data and component logs. Default: a new
	// temporary folder, removed by Stop. A given folder is kept, but what an earlier cluster left
	// in it is replaced: every Start makes a fresh cluster.
	WorkDir string
	// NodeName is the name of the fake node. Default "kwok-node-0".
	NodeName string
	// StartTimeout bounds each wait during Start (control plane up, node Ready). Default 60s.
	StartTimeout time.Duration
	// MaxPods is how many pods the fake node takes. Default 500.
	MaxPods int
	// Audit makes the API server write an audit event (metadata only) for every request that
	// completes, as JSON lines to Cluster.AuditLog: benchmarks count requests by who sent them.
	Audit bool
}

// Cluster is a running simulated cluster. Create it with Start and end it with Stop.
type Cluster struct {
	// Kubeconfig is the path of a kubeconfig file (admin, group system:masters) for kubectl, helm
	// and the operator binary.
	Kubeconfig string
	// RESTConfig connects to the API server as the same admin user.
	RESTConfig *rest.Config
	// Clientset is a typed client built from RESTConfig.
	Clientset kubernetes.Interface
	// KubectlPath is the kubectl built by hack/tools.sh, matching the API server's version.
	KubectlPath string
	// WorkDir holds everything the cluster writes.
	WorkDir string
	// NodeName is the fake node every pod is scheduled onto.
	NodeName string
	// StorageClass is the default StorageClass ("standard"); kwok binds its claims.
	StorageClass string
	// AllowVolumeExpansion is what the StorageClass says (true): resizing a claim is accepted.
	// Nothing resizes the fake volume, so status.capacity keeps its first size.
	AllowVolumeExpansion bool
	// AuditLog is the API server's audit log, "" without Options.Audit.
	AuditLog string
	// NodeMonitorGracePeriod is how long the node lifecycle controller lets the node's Lease go
	// unrenewed before it marks the node NotReady, and with it every pod on the node not Ready.
	// kwok renews the Lease well within it; a test that must outlive it waits this long.
	NodeMonitorGracePeriod time.Duration

	env         *envtest.Environment
	children    []*child
	logFiles    []*os.File // envtest's etcd and kube-apiserver output, closed by Stop
	logs        map[string]string
	ownsWorkDir bool
	stopped     bool
	maxPods     int
}

// Start brings the cluster up and returns once the fake node is Ready, kwok has renewed its
// Lease, and the default StorageClass exists. If a needed binary is missing the error wraps ErrToolsMissing. If Start
// fails half way, it stops whatever it had started and keeps the logs. ctx bounds the waits after
// the control plane is up; envtest's own start is bounded by Options.StartTimeout.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	dirs, err := RequireTools()
	if err != nil {
		return nil, err
	}
	if opts.NodeName == "" {
		opts.NodeName = "kwok-node-0"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	c = &Cluster{
		KubectlPath:            filepath.Join(dirs["k8s"], "kubectl"),
		NodeName:               opts.NodeName,
		StorageClass:           StorageClassName,
		NodeMonitorGracePeriod: nodeMonitorGracePeriod,
		logs:                   map[string]string{},
	}
	if c.WorkDir = opts.WorkDir; c.WorkDir == "" {
		if c.WorkDir, err = os.MkdirTemp("", "dittofs-e2e-cluster-"); err != nil {
			return nil, err
		}
		c.ownsWorkDir = true
	} else if err := os.MkdirAll(c.WorkDir, 0o755); err != nil {
		return nil, err
	}
	// Old etcd data would resurrect an old cluster, and old certificates are not reloaded by envtest.
	for _, d := range []string{"etcd", "pki", "bin"} {
		if err := os.RemoveAll(filepath.Join(c.WorkDir, d)); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			// Keep the logs: they are what explains the failure.
			if c.ownsWorkDir {
				c.ownsWorkDir = false
				err = fmt.Errorf("%w (logs kept in %s)", err, c.WorkDir)
			}
			err = errors.Join(err, c.Stop())
			c = nil
		}
	}()

	if opts.MaxPods == 0 {
		opts.MaxPods = 500
	}
	c.maxPods = opts.MaxPods
	if opts.Audit {
		c.AuditLog = filepath.Join(c.WorkDir, "audit.log")
	}
	if err := c.startControlPlane(dirs["k8s"], opts.StartTimeout); err != nil {
		return c, err
	}
	if err := c.startComponents(dirs); err != nil {
		return c, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := c.createNode(waitCtx); err != nil {
		return c, err
	}
	if err := c.createStorageClass(waitCtx); err != nil {
		return c, err
	}
	return c, c.Healthy()
}

// startControlPlane runs etcd and kube-apiserver through envtest and writes the admin kubeconfig.
func (c *Cluster) startControlPlane(k8sDir string, timeout time.Duration) error {
	binDir := filepath.Join(c.WorkDir, "bin")
	etcdPath, err := deathWrapper(binDir, filepath.Join(k8sDir, "etcd"))
	if err != nil {
		return err
	}
	apiPath, err := deathWrapper(binDir, filepath.Join(k8sDir, "kube-apiserver"))
	if err != nil {
		return err
	}
	etcdLog, err := c.openLog("etcd")
	if err != nil {
		return err
	}
	apiLog, err := c.openLog("kube-apiserver")
	if err != nil {
		return err
	}
	etcd := &envtest.Etcd{Path: etcdPath, DataDir: filepath.Join(c.WorkDir, "etcd"), Out: etcdLog, Err: etcdLog}
	api := &envtest.APIServer{Path: apiPath, CertDir: filepath.Join(c.WorkDir, "pki"), Out: apiLog, Err: apiLog}
	for _, d := range []string{etcd.DataDir, api.CertDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	// A /24 runs out of ClusterIPs at ~250 Services; the endpoint reconciler cannot publish a
	// loopback address, so it is off.
	api.Configure().
		Set("service-cluster-ip-range", "10.96.0.0/16").
		Set("endpoint-reconciler-type", "none")
	if c.AuditLog != "" {
		if err := c.configureAudit(api); err != nil {
			return err
		}
	}
	c.env = &envtest.Environment{
		BinaryAssetsDirectory:    k8sDir,
		ControlPlane:             envtest.ControlPlane{Etcd: etcd, APIServer: api, KubectlPath: c.KubectlPath},
		ControlPlaneStartTimeout: timeout,
		ControlPlaneStopTimeout:  20 * time.Second,
	}
	if _, err := c.env.Start(); err != nil {
		return fmt.Errorf("start etcd and kube-apiserver (logs: %s, %s): %w", c.logs["etcd"], c.logs["kube-apiserver"], err)
	}

	user, err := c.env.AddUser(envtest.User{Name: "dittofs-e2e-admin", Groups: []string{"system:masters"}},
		&rest.Config{QPS: 1000, Burst: 2000})
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	c.Kubeconfig = filepath.Join(c.WorkDir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, kubeconfig, 0o600); err != nil {
		return err
	}
	c.RESTConfig = rest.CopyConfig(user.Config())
	c.Clientset, err = kubernetes.NewForConfig(c.RESTConfig)
	return err
}

// How the fake node proves it is alive. The node lifecycle controller (in kube-controller-manager)
// marks a node NotReady, taints it unreachable and sets every pod on it Ready=False once neither
// its Lease in kube-node-lease nor its status heartbeat has been renewed for the grace period;
// nothing sets those pods Ready again. kwok renews the Lease every quarter of its duration, but
// only when given --node-lease-duration-seconds: without it there is no Lease, and the stages
// hack/tools.sh installs (node-heartbeat-with-lease) refresh the status only every 10 to 20
// minutes, so the node went NotReady 50s (the default grace) after start. The real kubelet's
// ratio is a 40s lease renewed every 10s against a 50s grace; here it is shorter, a 10s lease
// renewed every 2.5s against 20s (seven renewals may be late on a busy machine), so that a test
// can outlive the grace period quickly (TestCluster does) and a lost heartbeat shows up fast.
const (
	nodeLeaseDurationSeconds = 10
	nodeMonitorGracePeriod   = 20 * time.Second
	nodeMonitorPeriod        = 2 * time.Second // how often the controller checks; default 5s
)

// startComponents runs kube-controller-manager, kube-scheduler and kwok against the API server.
func (c *Cluster) startComponents(dirs map[string]string) error {
	kc := c.Kubeconfig
	// Serving is off (--secure-port=0): no component but etcd and the API server (free ports
	// chosen by envtest) binds a port, so clusters never collide.
	common := []string{
		"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
		"--bind-address=127.0.0.1", "--secure-port=0", "--leader-elect=false",
	}
	caPath := filepath.Join(c.WorkDir, "ca.crt")
	if err := os.WriteFile(caPath, c.RESTConfig.CAData, 0o600); err != nil {
		return err
	}
	kcm := append(append([]string{}, common...),
		"--controllers=*",
		// envtest's own service-account signer, so the token and root-CA publishers work.
		"--service-account-private-key-file="+filepath.Join(c.env.ControlPlane.APIServer.CertDir, "sa-signer.key"),
		"--root-ca-file="+caPath,
		"--node-monitor-grace-period="+nodeMonitorGracePeriod.String(),
		"--node-monitor-period="+nodeMonitorPeriod.String(),
	)
	stages, err := writeKwokStages(filepath.Join(dirs["kwok"], "stages.yaml"), filepath.Join(c.WorkDir, "kwok-stages.yaml"))
	if err != nil {
		return err
	}
	kwok := []string{
		"--kubeconfig=" + kc, "-c", stages,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=" + nodeAnnotation + "=fake",
		// Fake addresses that nothing routes to: never dial a pod or node IP from a test.
		// The node IP sits outside the service range so no ClusterIP can equal it.
		"--cidr=10.244.0.0/16", "--node-ip=10.95.0.2",
		fmt.Sprintf("--node-lease-duration-seconds=%d", nodeLeaseDurationSeconds),
		// No --server-address (nor --node-port): kwok then serves nothing. Its metrics server
		// also races its stage controllers in v0.8.0 (fatal "concurrent map writes" at start).
	}
	for _, p := range []struct {
		name, path string
		args       []string
	}{
		{"kube-controller-manager", filepath.Join(dirs["k8s"], "kube-controller-manager"), kcm},
		{"kube-scheduler", filepath.Join(dirs["k8s"], "kube-scheduler"), common},
		{"kwok", filepath.Join(dirs["kwok"], "kwok"), kwok},
	} {
		logPath := filepath.Join(c.WorkDir, p.name+".log")
		ch, err := startChild(p.name, p.path, p.args, logPath)
		if err != nil {
			return err
		}
		c.children = append(c.children, ch)
		c.logs[p.name] = logPath
	}
	return nil
}

// Healthy returns an error naming the first component (kube-controller-manager, kube-scheduler,
// kwok) that has exited; a test can call it while waiting, to fail fast with the log's path.
func (c *Cluster) Healthy() error {
	for _, ch := range c.children {
		if done, err := ch.exited(); done {
			return errExited(ch, err)
		}
	}
	return nil
}

// openLog creates WorkDir/NAME.log for a process envtest starts and records it for Logs.
func (c *Cluster) openLog(name string) (*os.File, error) {
	p := filepath.Join(c.WorkDir, name+".log")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	c.logs[name] = p
	c.logFiles = append(c.logFiles, f)
	return f, nil
}

// Kubectl runs the built kubectl against this cluster and returns its combined output.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.KubectlPath, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	return cmd.CombinedOutput()
}

// Stop ends every component and the control plane, and removes WorkDir if Start created it.
// It is safe to call more than once.
func (c *Cluster) Stop() error {
	if c == nil || c.stopped {
		return nil
	}
	c.stopped = true
	var errs []error
	// Reverse order: clients of the API server first, so they do not log a storm of errors.
	for i := len(c.children) - 1; i >= 0; i-- {
		if err := c.children[i].stop(10 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if c.env != nil {
		if err := c.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop etcd and kube-apiserver: %w", err))
		}
	}
	for _, f := range c.logFiles {
		_ = f.Close()
	}
	if c.ownsWorkDir {
		if err := os.RemoveAll(c.WorkDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
