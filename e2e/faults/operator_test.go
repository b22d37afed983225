package faults

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dittofs/dittofs-operator/internal/toolchain"
)

// buildManager compiles ./cmd/manager into dir, the binary the chart's image runs.
func buildManager(dir string) (string, error) {
	root, err := toolchain.RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/manager")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/manager: %v\n%s", err, out)
	}
	return bin, nil
}

// operator is the manager binary run as a child process against the simulated cluster, so that
// it can be killed with SIGKILL (no deferred code, no graceful shutdown, no status patch on the
// way out) and started again, as a crashing pod would be by its kubelet.
type operator struct {
	bin     string
	args    []string
	env     []string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
	kills  int
}

// newOperator prepares the operator: kubeconfig is the cluster's admin kubeconfig, locations
// the --server-locations file (servers on loopback), logPath collects the output of every start.
func newOperator(bin, kubeconfig, locations, logPath string) *operator {
	return &operator{
		bin: bin,
		args: []string{
			"--kubeconfig=" + kubeconfig,
			// No listener: nothing scrapes or probes it, and a fixed port would collide with other
			// suites running on this machine.
			"--metrics-bind-address=0", "--health-probe-bind-address=0",
			"--server-locations=" + locations,
			// kwok reports a pod ready before dfs answers; retry the server soon, as the demo does.
			"--server-retry-after=2s",
			"--zap-log-level=info",
		},
		env:     append(os.Environ(), "KUBECONFIG="+kubeconfig),
		logPath: logPath,
	}
}

// start runs a new operator process. Its output is appended to logPath after a marker line.
func (o *operator) start() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd != nil {
		return errors.New("operator already running")
	}
	f, err := os.OpenFile(o.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	o.starts++
	fmt.Fprintf(f, "\n===== operator start %d at %s =====\n", o.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(o.bin, o.args...)
	cmd.Env = o.env
	cmd.Stdout, cmd.Stderr = f, f
	// The operator dies with the test process (a panic or go test's timeout), never outliving it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("start operator: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(done)
	}()
	o.cmd, o.done = cmd, done
	return nil
}

// kill sends SIGKILL and waits until the process is gone.
func (o *operator) kill() error {
	o.mu.Lock()
	cmd, done := o.cmd, o.done
	o.cmd = nil
	o.mu.Unlock()
	if cmd == nil {
		return errors.New("operator not running")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-done
	o.mu.Lock()
	o.kills++
	o.mu.Unlock()
	return nil
}

// exited reports whether the running process has ended by itself (a crash), with its log.
func (o *operator) exited() error {
	o.mu.Lock()
	cmd, done := o.cmd, o.done
	o.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return fmt.Errorf("the operator exited by itself (%v); log %s:\n%s", cmd.ProcessState, o.logPath, tailFile(o.logPath, 30))
	default:
		return nil
	}
}

// forget drops a process that exited by itself, so that start may run a new one.
func (o *operator) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cmd = nil
}

// stop ends the process with SIGTERM (graceful), used when a test is over.
func (o *operator) stop() {
	o.mu.Lock()
	cmd, done := o.cmd, o.done
	o.cmd = nil
	o.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// tailFile returns the last n lines of a file, for failure messages.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
