package shares

import (
	"context"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// convergeAdapters turns NFS and SMB on or off as the spec says, on the container ports the
// data-plane Service targets. It returns a fatal error, or a *phases.Blocked to report.
func (c *converger) convergeAdapters(ctx context.Context) error {
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
			if server.Fatal(err) {
				return err
			}
			return phases.Block(v1alpha1.ReasonAdapterRejected, "Cannot read the %s adapter: %v.", a.typ, err)
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
			if server.Fatal(err) {
				return err
			}
			return phases.Block(v1alpha1.ReasonAdapterRejected, "The server rejected the %s adapter settings: %v.", a.typ, err)
		}
	}
	return nil
}
