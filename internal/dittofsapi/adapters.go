package dittofsapi

import (
	"context"
	"net/http"
	"time"
)

// Adapter types the server seeds on first boot (NFS on 12049, SMB on 1445).
const (
	AdapterNFS = "nfs"
	AdapterSMB = "smb"
)

// Adapter is a protocol listener as the server shows it.
type Adapter struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Enabled bool   `json:"enabled"`
	// Running means the runtime started the adapter. It stays true when the
	// listener failed to bind, so prove the port with a TCP dial.
	Running   bool           `json:"running"`
	Port      int            `json:"port"`
	Config    map[string]any `json:"config,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	Status    HealthReport   `json:"status"`
}

// AdapterUpdate is the body of PUT /adapters/{type}; nil fields are left
// unchanged. A new port or bind address rebinds the listener at once.
type AdapterUpdate struct {
	Enabled *bool `json:"enabled,omitempty"`
	Port    *int  `json:"port,omitempty"`
	// Config replaces the adapter's free-form config; SMB reads bind_address
	// from it. NFS always binds all interfaces.
	Config map[string]any `json:"config,omitempty"`
}

// ListAdapters returns every adapter. Role operator may call it too.
func (c *Client) ListAdapters(ctx context.Context) ([]Adapter, error) {
	var out []Adapter
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("adapters"), out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// GetAdapter returns one adapter by type ("nfs", "smb").
func (c *Client) GetAdapter(ctx context.Context, adapterType string) (*Adapter, error) {
	if err := requireName("adapter", adapterType); err != nil {
		return nil, err
	}
	var out Adapter
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("adapters", adapterType), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAdapter changes an adapter's enabled flag, port or config. When the
// new port cannot be bound the server still answers 200 and logs the failure.
func (c *Client) UpdateAdapter(ctx context.Context, adapterType string, upd AdapterUpdate) (*Adapter, error) {
	if err := requireName("adapter", adapterType); err != nil {
		return nil, err
	}
	var out Adapter
	_, err := c.send(ctx, request{method: http.MethodPut, path: apiPath("adapters", adapterType), body: upd, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// NFSSettings are the NFS adapter's protocol settings. Timeouts are seconds.
type NFSSettings struct {
	MinVersion                   string   `json:"min_version"`
	MaxVersion                   string   `json:"max_version"`
	LeaseTime                    int      `json:"lease_time"`
	GracePeriod                  int      `json:"grace_period"`
	DelegationRecallTimeout      int      `json:"delegation_recall_timeout"`
	CallbackTimeout              int      `json:"callback_timeout"`
	LeaseBreakTimeout            int      `json:"lease_break_timeout"`
	MaxConnections               int      `json:"max_connections"`
	MaxClients                   int      `json:"max_clients"`
	MaxCompoundOps               int      `json:"max_compound_ops"`
	MaxReadSize                  int      `json:"max_read_size"`
	MaxWriteSize                 int      `json:"max_write_size"`
	PreferredTransferSize        int      `json:"preferred_transfer_size"`
	DelegationsEnabled           bool     `json:"delegations_enabled"`
	MaxDelegations               int      `json:"max_delegations"`
	DirDelegBatchWindowMs        int      `json:"dir_deleg_batch_window_ms"`
	V4MinMinorVersion            int      `json:"v4_min_minor_version"`
	V4MaxMinorVersion            int      `json:"v4_max_minor_version"`
	V4MaxConnectionsPerSession   int      `json:"v4_max_connections_per_session"`
	BlockedOperations            []string `json:"blocked_operations"`
	PortmapperEnabled            bool     `json:"portmapper_enabled"`
	PortmapperPort               int      `json:"portmapper_port"`
	PortmapperRegisterWithSystem bool     `json:"portmapper_register_with_system"`
	UDPEnabled                   bool     `json:"udp_enabled"`
	MDNSEnabled                  bool     `json:"mdns_enabled"`
	// Version increases with every change.
	Version int `json:"version"`
}

// NFSSettingsPatch changes the NFS settings that are set. Enabling the
// portmapper takes a server restart.
type NFSSettingsPatch struct {
	MinVersion                   *string   `json:"min_version,omitempty"`
	MaxVersion                   *string   `json:"max_version,omitempty"`
	LeaseTime                    *int      `json:"lease_time,omitempty"`
	GracePeriod                  *int      `json:"grace_period,omitempty"`
	DelegationRecallTimeout      *int      `json:"delegation_recall_timeout,omitempty"`
	CallbackTimeout              *int      `json:"callback_timeout,omitempty"`
	LeaseBreakTimeout            *int      `json:"lease_break_timeout,omitempty"`
	MaxConnections               *int      `json:"max_connections,omitempty"`
	MaxClients                   *int      `json:"max_clients,omitempty"`
	MaxCompoundOps               *int      `json:"max_compound_ops,omitempty"`
	MaxReadSize                  *int      `json:"max_read_size,omitempty"`
	MaxWriteSize                 *int      `json:"max_write_size,omitempty"`
	PreferredTransferSize        *int      `json:"preferred_transfer_size,omitempty"`
	DelegationsEnabled           *bool     `json:"delegations_enabled,omitempty"`
	MaxDelegations               *int      `json:"max_delegations,omitempty"`
	DirDelegBatchWindowMs        *int      `json:"dir_deleg_batch_window_ms,omitempty"`
	V4MinMinorVersion            *int      `json:"v4_min_minor_version,omitempty"`
	V4MaxMinorVersion            *int      `json:"v4_max_minor_version,omitempty"`
	V4MaxConnectionsPerSession   *int      `json:"v4_max_connections_per_session,omitempty"`
	BlockedOperations            *[]string `json:"blocked_operations,omitempty"`
	PortmapperEnabled            *bool     `json:"portmapper_enabled,omitempty"`
	PortmapperPort               *int      `json:"portmapper_port,omitempty"`
	PortmapperRegisterWithSystem *bool     `json:"portmapper_register_with_system,omitempty"`
	UDPEnabled                   *bool     `json:"udp_enabled,omitempty"`
	MDNSEnabled                  *bool     `json:"mdns_enabled,omitempty"`
}

// SMBSettings are the SMB adapter's protocol settings. Timeouts are seconds.
type SMBSettings struct {
	MinDialect              string   `json:"min_dialect"`
	MaxDialect              string   `json:"max_dialect"`
	SessionTimeout          int      `json:"session_timeout"`
	OplockBreakTimeout      int      `json:"oplock_break_timeout"`
	MaxConnections          int      `json:"max_connections"`
	MaxSessions             int      `json:"max_sessions"`
	EnableEncryption        bool     `json:"enable_encryption"`
	Signing                 string   `json:"signing"`
	DirectoryLeasingEnabled bool     `json:"directory_leasing_enabled"`
	BlockedOperations       []string `json:"blocked_operations"`
	MDNSEnabled             bool     `json:"mdns_enabled"`
	WSDiscoveryEnabled      bool     `json:"wsdiscovery_enabled"`
	Version                 int      `json:"version"`
}

// SMBSettingsPatch changes the SMB settings that are set.
type SMBSettingsPatch struct {
	MinDialect              *string   `json:"min_dialect,omitempty"`
	MaxDialect              *string   `json:"max_dialect,omitempty"`
	SessionTimeout          *int      `json:"session_timeout,omitempty"`
	OplockBreakTimeout      *int      `json:"oplock_break_timeout,omitempty"`
	MaxConnections          *int      `json:"max_connections,omitempty"`
	MaxSessions             *int      `json:"max_sessions,omitempty"`
	EnableEncryption        *bool     `json:"enable_encryption,omitempty"`
	Signing                 *string   `json:"signing,omitempty"`
	DirectoryLeasingEnabled *bool     `json:"directory_leasing_enabled,omitempty"`
	BlockedOperations       *[]string `json:"blocked_operations,omitempty"`
	MDNSEnabled             *bool     `json:"mdns_enabled,omitempty"`
	WSDiscoveryEnabled      *bool     `json:"wsdiscovery_enabled,omitempty"`
}

// GetNFSSettings returns the NFS adapter's settings.
func (c *Client) GetNFSSettings(ctx context.Context) (*NFSSettings, error) {
	var out NFSSettings
	if err := c.settingsCall(ctx, http.MethodGet, AdapterNFS, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PatchNFSSettings changes some NFS settings. Values out of range are a 422
// whose *APIError.Errors names each field.
func (c *Client) PatchNFSSettings(ctx context.Context, patch NFSSettingsPatch) (*NFSSettings, error) {
	var out NFSSettings
	if err := c.settingsCall(ctx, http.MethodPatch, AdapterNFS, patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSMBSettings returns the SMB adapter's settings.
func (c *Client) GetSMBSettings(ctx context.Context) (*SMBSettings, error) {
	var out SMBSettings
	if err := c.settingsCall(ctx, http.MethodGet, AdapterSMB, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PatchSMBSettings changes some SMB settings; see PatchNFSSettings.
func (c *Client) PatchSMBSettings(ctx context.Context, patch SMBSettingsPatch) (*SMBSettings, error) {
	var out SMBSettings
	if err := c.settingsCall(ctx, http.MethodPatch, AdapterSMB, patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) settingsCall(ctx context.Context, method, adapterType string, body, out any) error {
	_, err := c.send(ctx, request{method: method, path: apiPath("adapters", adapterType, "settings"), body: body, out: out})
	return err
}
