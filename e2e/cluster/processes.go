package cluster

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
)

// child is one component process (kube-controller-manager, kube-scheduler, kwok) whose output goes
// to a log file in the work dir.
type child struct {
	name    string
	logPath string
	path    string
	args    []string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{} // closed when the process has exited
	mu      sync.Mutex
	waitErr error
}

// startChild starts path with args. Pdeathsig makes the kernel kill the child if the test process
// dies without calling Stop (a panic or a go test timeout), so no component outlives its test.
func startChild(name, path string, args []string, logPath string) (*child, error) {
	return runChild(name, path, args, logPath, os.O_TRUNC)
}

// runChild is startChild with the log opened with mode (O_TRUNC, or O_APPEND for a restart).
func runChild(name, path string, args []string, logPath string, mode int) (*child, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|mode, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, logPath: logPath, path: path, args: args, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		_ = f.Close()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the process has ended, and how.
func (c *child) exited() (bool, error) {
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return true, c.waitErr
	default:
		return false, nil
	}
}

// stop asks the process to end (SIGTERM), and kills it if it has not within grace.
func (c *child) stop(grace time.Duration) error {
	if done, _ := c.exited(); done {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-time.After(grace):
	}
	_ = c.cmd.Process.Kill()
	select {
	case <-c.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", c.name, c.cmd.Process.Pid)
	}
}

// deathWrapper writes a shell script that runs bin under `setpriv --pdeathsig KILL`. envtest starts
// etcd and kube-apiserver itself and offers no hook for SysProcAttr, so this is how they also die
// with the test process. Without setpriv it returns bin unchanged (Stop still ends them).
func deathWrapper(dir, bin string) (string, error) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %s --pdeathsig KILL -- %s \"$@\"\n", shellQuote(setpriv), shellQuote(bin))
	p := filepath.Join(dir, filepath.Base(bin))
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		return "", err
	}
	return p, nil
}

// errExited builds the error for a component that ended while it should be running.
func errExited(c *child, err error) error {
	return errors.Join(fmt.Errorf("%s exited early (log: %s)", c.name, c.logPath), err)
}

// shellQuote quotes s for sh, closing and reopening the quotes around each embedded quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
