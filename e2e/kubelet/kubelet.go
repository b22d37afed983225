// Package kubelet plays the kubelet for DittoFS server pods on the simulated cluster. kwok marks
// pods Running and Ready without running anything; this package runs the real dfs binary for the
// server pod instead, from the pod template the operator wrote: its config.yaml from the
// ConfigMap, its environment resolved from Secrets, its volumes as folders. The server listens on
// loopback ports, so the operator's REST calls and NFS clients reach a real server. As a kubelet
// with restartPolicy Always would, it starts dfs again when it exits (after a crash-loop
// backoff), restarts it when the pod is replaced (a roll), stops it when the pod is gone, and
// reports all of it in the pod's status: Ready follows the server's /health, and a crash counts
// as a container restart. Only the container runtime is simulated.
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
	"sync"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi/dfstest"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// Pod is the server pod of one DittoFS, run as a local dfs process. Its folder outlives the
// process, as a volume outlives its container: a restarted dfs finds its data again.
type Pod struct {
	// Dir holds the pod's files: config.yaml, the volumes under data/, and dfs.log.
	Dir string
	// APIPort, NFSPort and SMBPort are free loopback ports chosen up front, so the operator can be
	// told where the server will be before it exists.
	APIPort, NFSPort, SMBPort int
	// LogPath is the server's output; each start appends to it.
	LogPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current process has ended; nil before the first start
	// stopping is set when the process is being stopped on purpose, so its exit is no crash.
	stopping bool
}

// New prepares a pod in dir; the Node starts it.
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
func (p *Pod) Location() server.Location {
	return server.Location{BaseURL: p.APIURL(), DataRoot: p.dataRoot(), NFSPort: p.NFSPort, SMBPort: p.SMBPort}
}

// APIURL is the server's REST root.
func (p *Pod) APIURL() string { return "http://127.0.0.1:" + strconv.Itoa(p.APIPort) }

// NFSAddr is where NFS clients connect once the operator has moved the adapter there.
func (p *Pod) NFSAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.NFSPort)) }

func (p *Pod) dataRoot() string { return filepath.Join(p.Dir, "data") }

// start runs dfs the way the container would start, from the pod template the operator wrote.
func (p *Pod) start(ctx context.Context, c client.Client, ns string, spec *podSpec, dfsBinary string) error {
	configPath, err := p.writeConfig(ctx, c, ns, spec)
	if err != nil {
		return err
	}
	env, err := resolveEnv(ctx, c, ns, spec.container.Env)
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// The server binds its seeded adapter ports at first boot; hold the lock other harnesses
	// share until the operator has moved the adapters to this pod's own ports.
	unlock, err := dfstest.LockDefaultAdapterPorts()
	if err != nil {
		_ = logFile.Close()
		return err
	}
	args := replaceConfigArg(spec.container.Args, configPath)
	cmd := exec.Command(dfsBinary, args...)
	cmd.Dir = p.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + p.Dir}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		unlock()
		_ = logFile.Close()
		return fmt.Errorf("start dfs: %w", err)
	}
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.stopping = cmd, exited, false
	p.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(exited)
	}()
	go p.releaseWhenMoved(ctx, exited, unlock)
	return nil
}

// releaseWhenMoved drops the port lock once the NFS adapter answers on this pod's own port (the
// operator's Shares step moves it), or when the process ends.
func (p *Pod) releaseWhenMoved(ctx context.Context, exited <-chan struct{}, unlock func()) {
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
		case <-exited:
			return
		case <-tick.C:
		}
	}
}

// running reports whether a dfs process is up, and whether the last one ended without being
// asked to (a crash).
func (p *Pod) running() (up, crashed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited == nil {
		return false, false
	}
	select {
	case <-p.exited:
		return false, !p.stopping
	default:
		return true, false
	}
}

// healthy reports whether the server answers /health, as the readiness probe would see it.
func (p *Pod) healthy() bool {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(p.APIURL() + "/health")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Kill ends the server with SIGKILL, as an OOM kill or a crash would: the node restarts it,
// counting a container restart in the pod's status.
func (p *Pod) Kill() error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return errors.New("dfs is not running")
	}
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	<-exited
	return nil
}

// Stop ends the server gracefully, as the kubelet would with SIGTERM.
func (p *Pod) Stop() error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.stopping = true
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
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
