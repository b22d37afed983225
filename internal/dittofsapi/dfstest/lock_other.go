//go:build !unix

package dfstest

import "sync"

var defaultPortsMu sync.Mutex

// lockDefaultPorts serialises boots within this process only; the dfs
// binary is built for unix systems anyway.
func lockDefaultPorts() (unlock func(), err error) {
	defaultPortsMu.Lock()
	return defaultPortsMu.Unlock, nil
}
