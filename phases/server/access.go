package server

import (
	"fmt"
	"time"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
)

// Production defaults of Access.
const (
	DefaultDataRoot = "/data"
	DefaultRetry    = 30 * time.Second
	DefaultResync   = 5 * time.Minute
	DefaultTimeout  = 10 * time.Second
)

// Location is where the server of one DittoFS answers, and what its pod looks like from inside:
// where the volumes are mounted and which ports the data-plane Service targets.
type Location struct {
	// BaseURL is the REST API root; https when the DittoFS asks for TLS.
	BaseURL string
	// CA is the PEM the server's certificate is verified with (nil: plain HTTP), and ServerName
	// the name it must be valid for ("" means the host of BaseURL). Where fills in CA.
	CA         []byte
	ServerName string
	// DataRoot is where the metadata and payload volumes are mounted in the server: badger lives
	// under <DataRoot>/metadata, fs blocks under <DataRoot>/payload.
	DataRoot string
	// NFSPort and SMBPort are the adapter ports inside the pod.
	NFSPort, SMBPort int
}

// InCluster is the location of a server run by the operator's StatefulSet: its API Service, the
// volumes under /data, and the container ports the data-plane Service targets.
func InCluster(d *v1alpha1.DittoFS) Location {
	return Location{
		BaseURL:    fmt.Sprintf("%s://%s:%d", specs.APIScheme(d), specs.APIHost(d), specs.APIPort),
		ServerName: specs.APIHost(d),
		DataRoot:   DefaultDataRoot,
		NFSPort:    specs.NFSContainerPort,
		SMBPort:    specs.SMBContainerPort,
	}
}

// Access is how the sub-phases reach DittoFS servers. The zero value is production.
type Access struct {
	// Locate says where the server of a DittoFS is; default InCluster. An operator running
	// outside the cluster (the demo, end-to-end tests with servers on loopback) replaces it.
	Locate func(d *v1alpha1.DittoFS) Location
	// RetryAfter is when to look again after a failure (server down, a share rejected); it
	// doubles with each failure in a row, up to MaxRetryAfter (default eight times RetryAfter).
	RetryAfter    time.Duration
	MaxRetryAfter time.Duration
	// ResyncAfter is when to look again at a converged server: its API cannot be watched, so
	// drift (a share changed by hand) is caught by polling.
	ResyncAfter time.Duration
	// Timeout bounds each HTTP exchange with the server.
	Timeout time.Duration
}

// Where is the location of the server of the scope's DittoFS, with the CA the config step read
// from its TLS Secret: every sub-phase that talks to the server asks here.
func (a Access) Where(s *phases.Scope) Location {
	loc := a.Locate(s.DittoFS)
	loc.CA = s.APICA
	return loc
}

// WithDefaults fills in the production value of every field left zero.
func (a Access) WithDefaults() Access {
	if a.Locate == nil {
		a.Locate = InCluster
	}
	if a.RetryAfter == 0 {
		a.RetryAfter = DefaultRetry
	}
	if a.MaxRetryAfter == 0 {
		a.MaxRetryAfter = 8 * a.RetryAfter
	}
	if a.ResyncAfter == 0 {
		a.ResyncAfter = DefaultResync
	}
	if a.Timeout == 0 {
		a.Timeout = DefaultTimeout
	}
	return a
}
