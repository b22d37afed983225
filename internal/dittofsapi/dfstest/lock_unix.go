//go:build unix

package dfstest

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockDefaultPorts takes an exclusive flock that every process using dfstest
// on this machine shares. The kernel drops it if the holder dies.
func lockDefaultPorts() (unlock func(), err error) {
	path := filepath.Join(os.TempDir(), "dittofs-dfstest-default-adapter-ports.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
