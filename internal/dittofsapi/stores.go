package dittofsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The server takes a store's type-specific settings as a JSON document
// encoded into a string field ("config": "{\"path\":\"/data\"}"); an object
// there is a 400. It answers with the same settings as a plain object, with
// anything that looks like a secret replaced by "********". The typed config
// structs below are marshalled into that string by storeBody.

// MetadataStoreConfig is the type-specific configuration of a metadata store.
type MetadataStoreConfig interface {
	// MetadataStoreType is the server's name for the backend.
	MetadataStoreType() string
}

// MemoryMetadataConfig keeps metadata in RAM; it is lost on restart.
type MemoryMetadataConfig struct{}

// MetadataStoreType implements MetadataStoreConfig.
func (MemoryMetadataConfig) MetadataStoreType() string { return "memory" }

// BadgerMetadataConfig keeps metadata in an embedded BadgerDB directory.
type BadgerMetadataConfig struct {
	Path string `json:"path"`
	// Cache sizes in MiB; 0 sizes them from the machine's RAM.
	BlockCacheMB int64 `json:"block_cache_mb,omitempty"`
	IndexCacheMB int64 `json:"index_cache_mb,omitempty"`
	// RelaxedDurability defers fsync of namespace operations (server
	// default true); false restores an fsync per transaction.
	RelaxedDurability *bool `json:"relaxed_durability,omitempty"`
}

// MetadataStoreType implements MetadataStoreConfig.
func (BadgerMetadataConfig) MetadataStoreType() string { return "badger" }

// SQLiteMetadataConfig keeps metadata in a SQLite file.
type SQLiteMetadataConfig struct {
	Path string `json:"path"`
}

// MetadataStoreType implements MetadataStoreConfig.
func (SQLiteMetadataConfig) MetadataStoreType() string { return "sqlite" }

// PostgresMetadataConfig keeps metadata in PostgreSQL. The server requires
// host, database, user and password to be present.
type PostgresMetadataConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"` // server default 5432
	Database string `json:"database"`
	User     string `json:"user"`
	Password string `json:"password"`
	SSLMode  string `json:"sslmode,omitempty"` // server default "disable"
	MaxConns int    `json:"max_conns,omitempty"`
	MinConns int    `json:"min_conns,omitempty"`
	// RelaxedDurability: see BadgerMetadataConfig.
	RelaxedDurability *bool `json:"relaxed_durability,omitempty"`
}

// MetadataStoreType implements MetadataStoreConfig.
func (PostgresMetadataConfig) MetadataStoreType() string { return "postgres" }

// LocalBlockStoreConfig is the type-specific configuration of a local block
// store (the on-node tier that holds file data and snapshots).
type LocalBlockStoreConfig interface {
	LocalBlockStoreType() string
}

// FSLocalBlockConfig stores blocks under an absolute directory. Snapshots
// need this type: they are written to <Path>/shares/<share>/snapshots/.
type FSLocalBlockConfig struct {
	Path string `json:"path"`
	// MaxSize caps the directory in bytes; 0 uses the server's default.
	MaxSize int64 `json:"max_size,omitempty"`
	// MaxLogBytes is a sizing hint for the append log; 0 uses the default.
	MaxLogBytes int64 `json:"max_log_bytes,omitempty"`
}

// LocalBlockStoreType implements LocalBlockStoreConfig.
func (FSLocalBlockConfig) LocalBlockStoreType() string { return "fs" }

// MemoryLocalBlockConfig keeps blocks in RAM.
type MemoryLocalBlockConfig struct{}

// LocalBlockStoreType implements LocalBlockStoreConfig.
func (MemoryLocalBlockConfig) LocalBlockStoreType() string { return "memory" }

// RemoteBlockStoreConfig is the type-specific configuration of a remote block
// store (the durable tier behind the local one).
type RemoteBlockStoreConfig interface {
	RemoteBlockStoreType() string
}

// S3RemoteBlockConfig stores blocks in an S3-compatible bucket.
type S3RemoteBlockConfig struct {
	Bucket          string `json:"bucket"`
	Region          string `json:"region,omitempty"` // server default us-east-1
	Endpoint        string `json:"endpoint,omitempty"`
	Prefix          string `json:"prefix,omitempty"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	// ForcePathStyle defaults to true on the server when Endpoint is set.
	ForcePathStyle *bool `json:"force_path_style,omitempty"`
	// AllowPrivateEndpoint lets Endpoint point at a private or loopback
	// address (in-cluster MinIO); the server refuses those otherwise.
	AllowPrivateEndpoint bool `json:"allow_private_endpoint,omitempty"`
}

// RemoteBlockStoreType implements RemoteBlockStoreConfig.
func (S3RemoteBlockConfig) RemoteBlockStoreType() string { return "s3" }

// MemoryRemoteBlockConfig keeps "remote" blocks in RAM, for tests.
type MemoryRemoteBlockConfig struct {
	// Durable overrides whether the store reports itself as durable.
	Durable *bool `json:"durable,omitempty"`
}

// RemoteBlockStoreType implements RemoteBlockStoreConfig.
func (MemoryRemoteBlockConfig) RemoteBlockStoreType() string { return "memory" }

// MetadataStore is a metadata store as the server shows it.
type MetadataStore struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	// Config is the stored configuration as a JSON object, secrets masked.
	Config    json.RawMessage `json:"config,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Status    HealthReport    `json:"status"`
}

// BlockStoreKind is the tier of a block store.
type BlockStoreKind string

// Block store tiers.
const (
	BlockStoreLocal  BlockStoreKind = "local"
	BlockStoreRemote BlockStoreKind = "remote"
)

// BlockStore is a local or remote block store as the server shows it.
type BlockStore struct {
	ID   string         `json:"id"`
	Name string         `json:"name"`
	Kind BlockStoreKind `json:"kind"`
	Type string         `json:"type"`
	// Config is the stored configuration as a JSON object, secrets masked.
	Config    json.RawMessage `json:"config,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Status    HealthReport    `json:"status"`
}

// DecodeConfig unmarshals the stored configuration into v, e.g. a
// *BadgerMetadataConfig.
func (s *MetadataStore) DecodeConfig(v any) error { return decodeConfig(s.Config, v) }

// DecodeConfig unmarshals the stored configuration into v, e.g. a
// *FSLocalBlockConfig.
func (s *BlockStore) DecodeConfig(v any) error { return decodeConfig(s.Config, v) }

func decodeConfig(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// createStoreBody is the body of POST /store/... for every store kind.
type createStoreBody struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Config string `json:"config"`
}

// updateStoreBody is the body of PUT /store/.../{name}.
type updateStoreBody struct {
	Type   string `json:"type"`
	Config string `json:"config"`
}

// configString encodes cfg as the JSON string the server expects.
func configString(cfg any) (string, error) {
	data, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("dittofs: encode store config: %w", err)
	}
	return string(data), nil
}

// ----- metadata stores -----

// metadataStores is the collection path of metadata stores.
var metadataStores = storeCollection{kind: "metadata store", path: []string{"store", "metadata"}}

// CreateMetadataStore creates a metadata store. The server opens it at once,
// so a bad path is a 400; an existing name is a 409.
func (c *Client) CreateMetadataStore(ctx context.Context, name string, cfg MetadataStoreConfig) (*MetadataStore, error) {
	return writeStore[MetadataStore](ctx, c, metadataStores, http.MethodPost, name, cfg.MetadataStoreType(), cfg)
}

// GetMetadataStore returns one metadata store by name.
func (c *Client) GetMetadataStore(ctx context.Context, name string) (*MetadataStore, error) {
	return getStore[MetadataStore](ctx, c, metadataStores, name)
}

// ListMetadataStores returns all metadata stores.
func (c *Client) ListMetadataStores(ctx context.Context) ([]MetadataStore, error) {
	return listStores[MetadataStore](ctx, c, metadataStores)
}

// UpdateMetadataStore replaces a metadata store's type and configuration.
// The server only records the change (v0.29 does not reopen a store it has
// already loaded).
func (c *Client) UpdateMetadataStore(ctx context.Context, name string, cfg MetadataStoreConfig) (*MetadataStore, error) {
	return writeStore[MetadataStore](ctx, c, metadataStores, http.MethodPut, name, cfg.MetadataStoreType(), cfg)
}

// DeleteMetadataStore deletes a metadata store; 409 while a share uses it.
func (c *Client) DeleteMetadataStore(ctx context.Context, name string) error {
	return deleteStore(ctx, c, metadataStores, name)
}

// ----- block stores -----

// blockStores is the collection path of one tier of block stores.
func blockStores(kind BlockStoreKind) storeCollection {
	return storeCollection{kind: "block store", path: []string{"store", "block", string(kind)}}
}

// CreateLocalBlockStore creates a local block store. For type fs the server
// creates the directory at once; a relative path is a 400.
func (c *Client) CreateLocalBlockStore(ctx context.Context, name string, cfg LocalBlockStoreConfig) (*BlockStore, error) {
	return writeStore[BlockStore](ctx, c, blockStores(BlockStoreLocal), http.MethodPost, name, cfg.LocalBlockStoreType(), cfg)
}

// UpdateLocalBlockStore replaces a local block store's type and configuration.
func (c *Client) UpdateLocalBlockStore(ctx context.Context, name string, cfg LocalBlockStoreConfig) (*BlockStore, error) {
	return writeStore[BlockStore](ctx, c, blockStores(BlockStoreLocal), http.MethodPut, name, cfg.LocalBlockStoreType(), cfg)
}

// CreateRemoteBlockStore creates a remote block store.
func (c *Client) CreateRemoteBlockStore(ctx context.Context, name string, cfg RemoteBlockStoreConfig) (*BlockStore, error) {
	return writeStore[BlockStore](ctx, c, blockStores(BlockStoreRemote), http.MethodPost, name, cfg.RemoteBlockStoreType(), cfg)
}

// UpdateRemoteBlockStore replaces a remote block store's type and
// configuration. Secrets sent back as "********" keep their stored value.
func (c *Client) UpdateRemoteBlockStore(ctx context.Context, name string, cfg RemoteBlockStoreConfig) (*BlockStore, error) {
	return writeStore[BlockStore](ctx, c, blockStores(BlockStoreRemote), http.MethodPut, name, cfg.RemoteBlockStoreType(), cfg)
}

// GetBlockStore returns one block store of the given tier by name.
func (c *Client) GetBlockStore(ctx context.Context, kind BlockStoreKind, name string) (*BlockStore, error) {
	return getStore[BlockStore](ctx, c, blockStores(kind), name)
}

// ListBlockStores returns all block stores of one tier.
func (c *Client) ListBlockStores(ctx context.Context, kind BlockStoreKind) ([]BlockStore, error) {
	return listStores[BlockStore](ctx, c, blockStores(kind))
}

// DeleteBlockStore deletes a block store; 409 while a share uses it.
func (c *Client) DeleteBlockStore(ctx context.Context, kind BlockStoreKind, name string) error {
	return deleteStore(ctx, c, blockStores(kind), name)
}

// ----- shared by every store kind -----

// storeCollection is where one kind of store lives in the API.
type storeCollection struct {
	kind string   // for error messages
	path []string // path segments below /api/v1
}

func (s storeCollection) item(name string) string {
	return apiPath(append(append([]string(nil), s.path...), name)...)
}

// writeStore creates (POST on the collection, name in the body) or replaces (PUT on the item) a
// store; the body's config is the JSON string the server expects.
func writeStore[T any](ctx context.Context, c *Client, coll storeCollection, method, name, typ string, cfg any) (*T, error) {
	if err := requireName(coll.kind, name); err != nil {
		return nil, err
	}
	conf, err := configString(cfg)
	if err != nil {
		return nil, err
	}
	req := request{method: method, path: coll.item(name), body: updateStoreBody{Type: typ, Config: conf}}
	if method == http.MethodPost {
		req.path, req.body = apiPath(coll.path...), createStoreBody{Name: name, Type: typ, Config: conf}
	}
	var out T
	req.out = &out
	if _, err := c.send(ctx, req); err != nil {
		return nil, err
	}
	return &out, nil
}

func getStore[T any](ctx context.Context, c *Client, coll storeCollection, name string) (*T, error) {
	if err := requireName(coll.kind, name); err != nil {
		return nil, err
	}
	var out T
	if _, err := c.send(ctx, request{method: http.MethodGet, path: coll.item(name), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

func listStores[T any](ctx context.Context, c *Client, coll storeCollection) ([]T, error) {
	var out []T
	if _, err := c.send(ctx, request{method: http.MethodGet, path: apiPath(coll.path...), out: &out}); err != nil {
		return nil, err
	}
	return out, nil
}

func deleteStore(ctx context.Context, c *Client, coll storeCollection, name string) error {
	if err := requireName(coll.kind, name); err != nil {
		return err
	}
	_, err := c.send(ctx, request{method: http.MethodDelete, path: coll.item(name)})
	return err
}
