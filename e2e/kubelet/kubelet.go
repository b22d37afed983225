// Package kubelet plays the kubelet for DittoFS server pods on the simulated cluster. kwok marks
// pods Running and Ready without running anything; this package runs the real dfs binary for the
// server pod instead, from the pod template the operator wrote: its config.yaml from the
// ConfigMap, its environment resolved from Secrets, its volumes as folders. The server listens on
// loopback ports, so the operator's REST calls and NFS clients reach a real server. Only the
// container runtime is simulated.
package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/phases"
)

// Pod is the server pod of one DittoFS, run as a local dfs process.
type Pod struct {
	// Dir holds the pod's files: config.yaml, the volumes under data/, and dfs.log.
	Dir string
	// APIPort, NFSPort and SMBPort are free loopback ports chosen up front, so the operator can be
	// told where the server will be before it exists.
	APIPort, NFSPort, SMBPort int
	// LogPath is the server's output.
	LogPath string

	cmd    *exec.Cmd
	exited chan struct{}
}

// New prepares a pod in dir; Run starts it.
func New(dir string) (*Pod, error) {
	p := &Pod{Dir: dir, LogPath: filepath.Join(dir, "dfs.log")}
	for _, port := range []*int{&p.APIPort, &p.NFSPort, &p.SMBPort} {
		var err error
		if *port, err = freePort(); err != nil {
			return nil, err
		}
	}
	return p, os.MkdirAll(p.dataRoot(), 0o755)
}

// Location tells the operator's Shares step how to reach this pod's server and where its
// volumes are, as seen by the server.
func (p *Pod) Location() phases.ServerLocation {
	return phases.ServerLocation{BaseURL: p.APIURL(), DataRoot: p.dataRoot(), NFSPort: p.NFSPort, SMBPort: p.SMBPort}
}

// APIURL is the server's REST root.
func (p *Pod) APIURL() string { return "http://127.0.0.1:" + strconv.Itoa(p.APIPort) }

// NFSAddr is where NFS clients connect once the operator has moved the adapter there.
func (p *Pod) NFSAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.NFSPort)) }

func (p *Pod) dataRoot() string { return filepath.Join(p.Dir, "data") }

// Run waits until the operator has written the server's StatefulSet for key, then starts dfs
// the way the container would start, and waits until its API answers.
func (p *Pod) Run(ctx context.Context, c client.Client, key types.NamespacedName, dfsBinary string) error {
	spec, err := waitForPodSpec(ctx, c, key)
	if err != nil {
		return err
	}
	if err := p.start(ctx, c, key.Namespace, spec, dfsBinary); err != nil {
		return err
	}
	return p.waitHealthy(ctx)
}

func (p *Pod) start(ctx context.Context, c client.Client, ns string, spec *podSpec, dfsBinary string) error {
	configPath, err := p.writeConfig(ctx, c, ns, spec)
	if err != nil {
		return err
	}
	env, err := resolveEnv(ctx, c, ns, spec.container.Env)
	if err != nil {
		return err
	}
	logFile, err := os.Create(p.LogPath)
	if err != nil {
		return err
	}
	// The server binds its seeded adapter ports at first boot; hold the lock other harnesses
	// share until the operator has moved the adapters to this pod's own ports.
	unlock, err := dfstest.LockDefaultAdapterPorts()
	if err != nil {
		return err
	}
	args := replaceConfigArg(spec.container.Args, configPath)
	p.cmd = exec.Command(dfsBinary, args...)
	p.cmd.Dir = p.Dir
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + p.Dir}, env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		unlock()
		return fmt.Errorf("start dfs: %w", err)
	}
	p.exited = make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	go p.releaseWhenMoved(ctx, unlock)
	return nil
}

// releaseWhenMoved drops the port lock once the NFS adapter answers on this pod's own port (the
// operator's Shares step moves it), or when the pod stops.
func (p *Pod) releaseWhenMoved(ctx context.Context, unlock func()) {
	defer unlock()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if conn, err := net.DialTimeout("tcp", p.NFSAddr(), time.Second); err == nil {
			_ = conn.Close()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-p.exited:
			return
		case <-tick.C:
		}
	}
}

func (p *Pod) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(p.APIURL() + "/health")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dfs did not answer /health at %s: %v; log: %s", p.APIURL(), err, p.LogPath)
		case <-p.exited:
			return fmt.Errorf("dfs exited; log: %s", p.LogPath)
		case <-tick.C:
		}
	}
}

// Stop ends the server gracefully, as the kubelet would with SIGTERM.
func (p *Pod) Stop() error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return errors.New("dfs did not stop within 30s; killed")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
