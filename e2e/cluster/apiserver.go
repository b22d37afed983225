package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// StopAPIServer kills kube-apiserver alone (SIGKILL, as a crash or a lost control-plane node
// would), leaving etcd, the controller manager, the scheduler and kwok running: they see the API
// server vanish mid-request and come back, as in a real cluster. SIGTERM would not do: its
// graceful shutdown outlasts envtest's stop timeout. StartAPIServer brings it back.
func (c *Cluster) StopAPIServer() error {
	if c.env == nil || c.env.ControlPlane.APIServer == nil {
		return errors.New("no API server to stop")
	}
	api := c.env.ControlPlane.APIServer
	pid, err := processWithArg("--cert-dir=" + api.CertDir)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill kube-apiserver (pid %d): %w", pid, err)
	}
	// envtest reaps the process and forgets it; Stop returns at once for a process that exited.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := api.Stop(); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver (pid %d) still there after SIGKILL: %w", pid, err)
		}
		time.Sleep(50 * time.Millisecond) // a reaped process is seen within a scheduler tick
	}
	return nil
}

// StartAPIServer starts kube-apiserver again after StopAPIServer and returns once it answers
// /healthz. It listens on the same address with the same certificates (they live in WorkDir/pki,
// which envtest keeps because it did not create it), so Kubeconfig, RESTConfig and every
// component's client reconnect without a change; the data is in etcd, which kept running.
func (c *Cluster) StartAPIServer() error {
	if c.env == nil || c.env.ControlPlane.APIServer == nil {
		return errors.New("no API server to start")
	}
	if err := c.env.ControlPlane.APIServer.Start(); err != nil {
		return fmt.Errorf("start kube-apiserver again (log: %s): %w", c.logs["kube-apiserver"], err)
	}
	return nil
}

// processWithArg finds the one process of this user with arg on its command line. envtest
// keeps the API server's process to itself; its --cert-dir (this cluster's WorkDir/pki) names it.
func processWithArg(arg string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := bytes.Split(cmdline, []byte{0})
		if len(args) > 0 && filepath.Base(string(args[0])) == "kube-apiserver" && containsArg(args, arg) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no kube-apiserver process with %s", arg)
}

func containsArg(args [][]byte, arg string) bool {
	for _, a := range args {
		if string(a) == arg {
			return true
		}
	}
	return false
}
