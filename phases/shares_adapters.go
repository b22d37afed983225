package phases

import (
	"context"
	"fmt"

	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
)

// convergeAdapters turns NFS and SMB on or off as the spec says, on the container ports the
// data-plane Service targets. It returns a fatal error or a problem to report.
func (c *converger) convergeAdapters(ctx context.Context) (*storeProblem, error) {
	for _, a := range []struct {
		typ     string
		enabled bool
		port    int
	}{
		{dittofsapi.AdapterNFS, c.d.Spec.Adapters.NFS.IsEnabled(), c.loc.NFSPort},
		{dittofsapi.AdapterSMB, c.d.Spec.Adapters.SMB.Enabled, c.loc.SMBPort},
	} {
		live, err := c.api.GetAdapter(ctx, a.typ)
		if err != nil {
			if fatal(err) {
				return nil, err
			}
			return &storeProblem{ReasonAdapterRejected, fmt.Sprintf("Cannot read the %s adapter: %v.", a.typ, err)}, nil
		}
		var upd dittofsapi.AdapterUpdate
		if live.Enabled != a.enabled {
			upd.Enabled = &a.enabled
		}
		if live.Port != a.port {
			upd.Port = &a.port
		}
		if upd.Enabled == nil && upd.Port == nil {
			continue
		}
		if _, err := c.api.UpdateAdapter(ctx, a.typ, upd); err != nil {
			if fatal(err) {
				return nil, err
			}
			return &storeProblem{ReasonAdapterRejected, fmt.Sprintf("The server rejected the %s adapter settings: %v.", a.typ, err)}, nil
		}
	}
	return nil, nil
}
