package cluster

import (
	"bytes"
	"fmt"
	"os"
	"sort"
)

// Logs maps each component (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
// to its log file.
func (c *Cluster) Logs() map[string]string {
	out := make(map[string]string, len(c.logs))
	for k, v := range c.logs {
		out[k] = v
	}
	return out
}

// TailLogs returns the last lines of every component log, for a failing test to print.
func (c *Cluster) TailLogs(lines int) string {
	names := make([]string, 0, len(c.logs))
	for n := range c.logs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "==== %s (%s), last %d lines ====\n%s\n", n, c.logs[n], lines, tail(c.logs[n], lines))
	}
	return b.String()
}

// tail returns the last n lines of the file at path (or why it could not be read).
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	data = bytes.TrimRight(data, "\n")
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == '\n' {
			if n--; n == 0 {
				return string(data[i+1:])
			}
		}
	}
	return string(data)
}
