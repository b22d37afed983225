package app

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// fileLocation is one entry of a --server-locations file.
type fileLocation struct {
	BaseURL  string `json:"baseURL"`
	DataRoot string `json:"dataRoot"`
	NFSPort  int    `json:"nfsPort"`
	SMBPort  int    `json:"smbPort"`
}

// LocationsFile is the content of a --server-locations file: where the server of each DittoFS
// ("namespace/name") answers, for an operator running outside the cluster, which cannot resolve
// the in-cluster API Service (a developer's laptop, the end-to-end fault suite, whose servers run
// on loopback).
type LocationsFile map[string]fileLocation

// Add records where the server of namespace/name answers.
func (f LocationsFile) Add(namespace, name string, l server.Location) {
	f[namespace+"/"+name] = fileLocation{BaseURL: l.BaseURL, DataRoot: l.DataRoot, NFSPort: l.NFSPort, SMBPort: l.SMBPort}
}

// Write saves the file at path, replacing it in one rename so a reader never sees half of it.
func (f LocationsFile) Write(path string) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// locateFrom returns a Locate that reads path on every call, so entries added while the
// operator runs are found; a DittoFS the file does not list (or a file that cannot be read) is
// looked for in the cluster, which from outside fails as ServerUnreachable.
func locateFrom(path string) func(d *v1alpha1.DittoFS) server.Location {
	return func(d *v1alpha1.DittoFS) server.Location {
		l, err := readLocation(path, d.Namespace+"/"+d.Name)
		if err != nil {
			return server.InCluster(d)
		}
		return l
	}
}

func readLocation(path, key string) (server.Location, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return server.Location{}, err
	}
	var f LocationsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return server.Location{}, fmt.Errorf("%s: %w", path, err)
	}
	l, ok := f[key]
	if !ok {
		return server.Location{}, fmt.Errorf("%s lists no server for %s", path, key)
	}
	return server.Location{BaseURL: l.BaseURL, DataRoot: l.DataRoot, NFSPort: l.NFSPort, SMBPort: l.SMBPort}, nil
}
