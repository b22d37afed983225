package dittofsapi

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PermissionLevel is what a user or group may do on a share.
type PermissionLevel string

// Permission levels, weakest first.
const (
	PermissionNone      PermissionLevel = "none"
	PermissionRead      PermissionLevel = "read"
	PermissionReadWrite PermissionLevel = "read-write"
	PermissionAdmin     PermissionLevel = "admin"
)

// Valid reports whether the server knows the level. The permission endpoints
// do not check it themselves, so the client does.
func (p PermissionLevel) Valid() bool {
	switch p {
	case PermissionNone, PermissionRead, PermissionReadWrite, PermissionAdmin:
		return true
	}
	return false
}

// CreateShareRequest is the body of POST /shares. Sizes are human-readable
// strings ("10GiB"); empty means the server default (no quota, deduced sizes).
type CreateShareRequest struct {
	// Name is the export path, e.g. "/export"; a missing leading slash is added.
	Name string `json:"name"`
	// MetadataStore and the block store fields take a store's name or ID.
	MetadataStore    string  `json:"metadata_store_id"`
	LocalBlockStore  string  `json:"local_block_store"`
	RemoteBlockStore *string `json:"remote_block_store,omitempty"`
	ReadOnly         bool    `json:"read_only,omitempty"`
	// Owner is a user name whose UID/GID own the share's root directory.
	Owner       string `json:"owner,omitempty"`
	EncryptData bool   `json:"encrypt_data,omitempty"`
	// DefaultPermission applies to users without a grant; server default none.
	DefaultPermission PermissionLevel `json:"default_permission,omitempty"`
	BlockedOperations *[]string       `json:"blocked_operations,omitempty"`
	RetentionPolicy   string          `json:"retention_policy,omitempty"`
	RetentionTTL      string          `json:"retention_ttl,omitempty"`
	LocalStoreSize    string          `json:"local_store_size,omitempty"`
	ReadBufferSize    string          `json:"read_buffer_size,omitempty"`
	QuotaBytes        string          `json:"quota_bytes,omitempty"`
	TrashEnabled      *bool           `json:"trash_enabled,omitempty"`
}

// UpdateShareRequest is the body of PUT /shares/{name}; nil fields are left
// unchanged. Unlike creation, the store fields here are named *_id: the block
// store fields take a name or ID, but MetadataStoreID must be the store's ID
// (the server stores it as given). Changing a block store binding takes
// effect after a server restart (the answer's Warnings say so).
type UpdateShareRequest struct {
	MetadataStoreID    *string          `json:"metadata_store_id,omitempty"`
	LocalBlockStoreID  *string          `json:"local_block_store_id,omitempty"`
	RemoteBlockStoreID *string          `json:"remote_block_store_id,omitempty"` // "" detaches
	ReadOnly           *bool            `json:"read_only,omitempty"`
	EncryptData        *bool            `json:"encrypt_data,omitempty"`
	DefaultPermission  *PermissionLevel `json:"default_permission,omitempty"`
	BlockedOperations  *[]string        `json:"blocked_operations,omitempty"`
	RetentionPolicy    *string          `json:"retention_policy,omitempty"`
	RetentionTTL       *string          `json:"retention_ttl,omitempty"`
	LocalStoreSize     *string          `json:"local_store_size,omitempty"`
	ReadBufferSize     *string          `json:"read_buffer_size,omitempty"`
	QuotaBytes         *string          `json:"quota_bytes,omitempty"` // "0" removes the quota
	TrashEnabled       *bool            `json:"trash_enabled,omitempty"`
}

// Share is a share as the server shows it.
type Share struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	MetadataStoreID    string          `json:"metadata_store_id"`
	LocalBlockStoreID  string          `json:"local_block_store_id"`
	RemoteBlockStoreID *string         `json:"remote_block_store_id"`
	ReadOnly           bool            `json:"read_only"`
	Enabled            bool            `json:"enabled"`
	EncryptData        bool            `json:"encrypt_data"`
	DefaultPermission  PermissionLevel `json:"default_permission"`
	OwnerUID           *uint32         `json:"owner_uid,omitempty"`
	OwnerGID           *uint32         `json:"owner_gid,omitempty"`
	BlockedOperations  []string        `json:"blocked_operations,omitempty"`
	RetentionPolicy    string          `json:"retention_policy"`
	RetentionTTL       string          `json:"retention_ttl,omitempty"`
	LocalStoreSize     string          `json:"local_store_size,omitempty"`
	ReadBufferSize     string          `json:"read_buffer_size,omitempty"`
	// QuotaBytes is human-readable ("10.00GiB"); empty when unlimited.
	QuotaBytes    string    `json:"quota_bytes,omitempty"`
	UsedBytes     int64     `json:"used_bytes"`
	PhysicalBytes int64     `json:"physical_bytes"`
	UsagePercent  float64   `json:"usage_percent"`
	TrashEnabled  bool      `json:"trash_enabled"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Status is the worse of the share's metadata and block store health.
	Status HealthReport `json:"status"`
	// Warnings carries non-fatal notes about the request just made.
	Warnings []string `json:"warnings,omitempty"`
}

// Permission is one grant on a share.
type Permission struct {
	// Type is user, group or sid.
	Type  string          `json:"type"`
	Name  string          `json:"name"`
	Level PermissionLevel `json:"level"`
	// SID and IsGroup are set for Type sid (Active Directory grants).
	SID     string `json:"sid,omitempty"`
	IsGroup *bool  `json:"is_group,omitempty"`
}

type permissionBody struct {
	Level PermissionLevel `json:"level"`
}

// CreateShare creates a share and starts serving it. A duplicate name is a
// 409; a missing store is a 400.
func (c *Client) CreateShare(ctx context.Context, req CreateShareRequest) (*Share, error) {
	if shareSegment(req.Name) == "" {
		return nil, fmt.Errorf("dittofs: CreateShare: empty share name")
	}
	if req.DefaultPermission != "" && !req.DefaultPermission.Valid() {
		return nil, fmt.Errorf("dittofs: CreateShare: invalid default permission %q", req.DefaultPermission)
	}
	var out Share
	if _, err := c.send(ctx, request{method: http.MethodPost, path: apiPath("shares"), body: req, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetShare returns one share. name may be given with or without its leading
// slash.
func (c *Client) GetShare(ctx context.Context, name string) (*Share, error) {
	return c.shareCall(ctx, http.MethodGet, name, nil)
}

// ListShares returns all shares.
func (c *Client) ListShares(ctx context.Context) ([]Share, error) {
	var out []Share
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath("shares"), out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateShare changes the fields set in req.
func (c *Client) UpdateShare(ctx context.Context, name string, req UpdateShareRequest) (*Share, error) {
	if req.DefaultPermission != nil && *req.DefaultPermission != "" && !req.DefaultPermission.Valid() {
		return nil, fmt.Errorf("dittofs: UpdateShare: invalid default permission %q", *req.DefaultPermission)
	}
	return c.shareCall(ctx, http.MethodPut, name, req)
}

// DeleteShare stops serving a share and deletes it.
func (c *Client) DeleteShare(ctx context.Context, name string) error {
	path, err := sharePath(name)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodDelete, path: path})
	return err
}

// EnableShare lets clients mount the share again.
func (c *Client) EnableShare(ctx context.Context, name string) (*Share, error) {
	return c.shareCall(ctx, http.MethodPost, name, nil, "enable")
}

// DisableShare stops serving the share without deleting it; a restore needs
// the share disabled. Disabling a disabled share succeeds.
func (c *Client) DisableShare(ctx context.Context, name string) (*Share, error) {
	return c.shareCall(ctx, http.MethodPost, name, nil, "disable")
}

// ShareStatus returns the share's health.
func (c *Client) ShareStatus(ctx context.Context, name string) (*HealthReport, error) {
	path, err := sharePath(name, "status")
	if err != nil {
		return nil, err
	}
	var out HealthReport
	if _, err := c.send(ctx, request{method: http.MethodGet, path: path, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) shareCall(ctx context.Context, method, name string, body any, rest ...string) (*Share, error) {
	path, err := sharePath(name, rest...)
	if err != nil {
		return nil, err
	}
	var out Share
	if _, err := c.send(ctx, request{method: method, path: path, body: body, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPermissions returns the share's grants.
func (c *Client) ListPermissions(ctx context.Context, share string) ([]Permission, error) {
	path, err := sharePath(share, "permissions")
	if err != nil {
		return nil, err
	}
	var out []Permission
	if _, err := c.send(ctx, request{method: http.MethodGet, path: path, out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

// SetUserPermission grants a user a level on a share (replacing any earlier
// grant). An unknown user or share is a 404.
func (c *Client) SetUserPermission(ctx context.Context, share, username string, level PermissionLevel) error {
	return c.setPermission(ctx, share, "users", username, level)
}

// SetGroupPermission grants a group a level on a share.
func (c *Client) SetGroupPermission(ctx context.Context, share, group string, level PermissionLevel) error {
	return c.setPermission(ctx, share, "groups", group, level)
}

// DeleteUserPermission removes a user's grant. Removing a grant that does not
// exist succeeds.
func (c *Client) DeleteUserPermission(ctx context.Context, share, username string) error {
	return c.deletePermission(ctx, share, "users", username)
}

// DeleteGroupPermission removes a group's grant.
func (c *Client) DeleteGroupPermission(ctx context.Context, share, group string) error {
	return c.deletePermission(ctx, share, "groups", group)
}

func (c *Client) setPermission(ctx context.Context, share, kind, who string, level PermissionLevel) error {
	if !level.Valid() {
		return fmt.Errorf("dittofs: invalid permission level %q (want none, read, read-write or admin)", level)
	}
	if err := requireName(kind, who); err != nil {
		return err
	}
	path, err := sharePath(share, "permissions", kind, who)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodPut, path: path, body: permissionBody{Level: level}})
	return err
}

func (c *Client) deletePermission(ctx context.Context, share, kind, who string) error {
	if err := requireName(kind, who); err != nil {
		return err
	}
	path, err := sharePath(share, "permissions", kind, who)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, request{method: http.MethodDelete, path: path})
	return err
}
