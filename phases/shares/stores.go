package shares

import (
	"context"
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/dittofsapi"
	"github.com/dittofs/dittofs-operator/internal/specs"
	"github.com/dittofs/dittofs-operator/phases"
	"github.com/dittofs/dittofs-operator/phases/server"
)

// Names of the stores the operator creates on the server. One name per type, so a change of
// type makes a new store instead of repointing one that shares already use.
const (
	metadataStorePrefix = "operator-metadata-"
	localStorePrefix    = "operator-local-"
	remoteStoreName     = "operator-remote-s3"
)

// S3 credential keys in the Secret spec.payloadStore.s3.credentialsSecretRef names.
const (
	S3AccessKeyIDKey     = "accessKeyID"
	S3SecretAccessKeyKey = "secretAccessKey"
)

// stores are the stores the shares of this DittoFS use, by name and ID.
type stores struct {
	metadata, metadataID string
	local                string
	remote, remoteID     string // "" without S3
}

// convergeStores makes the metadata store, the local block store and the optional S3 store
// exist with the spec's settings. It returns a fatal error (server away, credentials refused), or
// a *phases.Blocked for a store that cannot be made: not fatal for the pass (adapters still
// converge), but no share can be created without it.
// or a problem to report.
func (c *converger) convergeStores(ctx context.Context) (*stores, error) {
	st := &stores{}
	meta, err := c.metadataStore(ctx)
	if err != nil {
		return nil, err
	}
	st.metadata, st.metadataID = meta.Name, meta.ID
	local, err := c.localStore(ctx)
	if err != nil {
		return nil, err
	}
	st.local = local
	if c.d.Spec.PayloadStore.S3 != nil {
		remote, err := c.remoteStore(ctx)
		if err != nil {
			return nil, err
		}
		st.remote, st.remoteID = remote.Name, remote.ID
	}
	return st, nil
}

func (c *converger) metadataStore(ctx context.Context) (*dittofsapi.MetadataStore, error) {
	typ := c.d.Spec.MetadataStore.Type
	if typ == "" {
		typ = v1alpha1.MetadataStoreBadger
	}
	name := metadataStorePrefix + string(typ)
	var (
		cfg        dittofsapi.MetadataStoreConfig
		secretHash string
	)
	switch typ {
	case v1alpha1.MetadataStoreMemory:
		cfg = dittofsapi.MemoryMetadataConfig{}
	case v1alpha1.MetadataStorePostgres:
		pg, err := specs.PostgresMetadataStoreFor(c.d, c.s.DatabaseSecretData)
		if err != nil {
			return nil, phases.Block(v1alpha1.ReasonPostgresStoreUnavailable, "Cannot configure the postgres metadata store: %v.", err)
		}
		password := string(c.s.DatabaseSecretData[pg.PasswordSecret.Key])
		cfg = dittofsapi.PostgresMetadataConfig{Host: pg.Host, Port: pg.Port, Database: pg.Database, User: pg.User, Password: password, SSLMode: pg.SSLMode}
		secretHash = server.HashOf(password)
	default:
		cfg = dittofsapi.BadgerMetadataConfig{Path: path.Join(c.loc.DataRoot, "metadata", "badger")}
	}

	live, err := c.api.GetMetadataStore(ctx, name)
	switch {
	case dittofsapi.IsNotFound(err):
		created, err := c.api.CreateMetadataStore(ctx, name, cfg)
		if err != nil {
			return nil, c.storeRejected(err, "metadata store "+name)
		}
		c.sess.RecordSent(name, secretHash)
		return created, nil
	case err != nil:
		return nil, c.storeRejected(err, "metadata store "+name)
	}
	if live.Type == cfg.MetadataStoreType() && sameMetadataConfig(live, cfg) && c.sess.SentHash(name) == secretHash {
		return live, nil
	}
	updated, err := c.api.UpdateMetadataStore(ctx, name, cfg)
	if err != nil {
		return nil, c.storeRejected(err, "metadata store "+name)
	}
	c.sess.RecordSent(name, secretHash)
	if updated.ID == "" {
		updated.ID = live.ID
	}
	return updated, nil
}

// sameMetadataConfig compares the settings the server shows back (never the masked password).
func sameMetadataConfig(live *dittofsapi.MetadataStore, want dittofsapi.MetadataStoreConfig) bool {
	switch w := want.(type) {
	case dittofsapi.BadgerMetadataConfig:
		var got dittofsapi.BadgerMetadataConfig
		return live.DecodeConfig(&got) == nil && got.Path == w.Path
	case dittofsapi.PostgresMetadataConfig:
		var got dittofsapi.PostgresMetadataConfig
		return live.DecodeConfig(&got) == nil && got.Host == w.Host && got.Port == w.Port &&
			got.Database == w.Database && got.User == w.User && got.SSLMode == w.SSLMode
	}
	return true
}

func (c *converger) localStore(ctx context.Context) (string, error) {
	typ := c.d.Spec.PayloadStore.Local.Type
	if typ == "" {
		typ = "fs"
	}
	name := localStorePrefix + string(typ)
	var cfg dittofsapi.LocalBlockStoreConfig = dittofsapi.FSLocalBlockConfig{Path: path.Join(c.loc.DataRoot, "payload", "blocks")}
	if typ == "memory" {
		cfg = dittofsapi.MemoryLocalBlockConfig{}
	}
	live, err := c.api.GetBlockStore(ctx, dittofsapi.BlockStoreLocal, name)
	switch {
	case dittofsapi.IsNotFound(err):
		if _, err := c.api.CreateLocalBlockStore(ctx, name, cfg); err != nil {
			return "", c.storeRejected(err, "local block store "+name)
		}
		return name, nil
	case err != nil:
		return "", c.storeRejected(err, "local block store "+name)
	}
	if fsCfg, ok := cfg.(dittofsapi.FSLocalBlockConfig); ok {
		var got dittofsapi.FSLocalBlockConfig
		if live.Type == "fs" && live.DecodeConfig(&got) == nil && got.Path == fsCfg.Path {
			return name, nil
		}
	} else if live.Type == cfg.LocalBlockStoreType() {
		return name, nil
	}
	if _, err := c.api.UpdateLocalBlockStore(ctx, name, cfg); err != nil {
		return "", c.storeRejected(err, "local block store "+name)
	}
	return name, nil
}

// remoteStore converges the S3 store. The credentials are read from their Secret at the moment
// they are sent and never logged or reported; the server masks them when read back, so whether
// they changed is decided by a hash of what this process last sent (after an operator restart
// they are sent once more).
func (c *converger) remoteStore(ctx context.Context) (*dittofsapi.BlockStore, error) {
	spec := c.d.Spec.PayloadStore.S3
	id, key, err := s3Credentials(ctx, c.s, c.d)
	if err != nil {
		return nil, err
	}
	fps := spec.ForcePathStyle
	cfg := dittofsapi.S3RemoteBlockConfig{
		Bucket: spec.Bucket, Region: spec.Region, Endpoint: spec.Endpoint, Prefix: spec.Prefix,
		AccessKeyID: id, SecretAccessKey: key, ForcePathStyle: &fps, AllowPrivateEndpoint: spec.AllowPrivateEndpoint,
	}
	secretHash := server.HashOf(id, key)

	live, err := c.api.GetBlockStore(ctx, dittofsapi.BlockStoreRemote, remoteStoreName)
	switch {
	case dittofsapi.IsNotFound(err):
		created, err := c.api.CreateRemoteBlockStore(ctx, remoteStoreName, cfg)
		if err != nil {
			return nil, c.storeRejected(err, "S3 block store "+remoteStoreName)
		}
		c.sess.RecordSent(remoteStoreName, secretHash)
		return created, nil
	case err != nil:
		return nil, c.storeRejected(err, "S3 block store "+remoteStoreName)
	}
	var got dittofsapi.S3RemoteBlockConfig
	same := live.Type == "s3" && live.DecodeConfig(&got) == nil && got.Bucket == cfg.Bucket &&
		(cfg.Region == "" || got.Region == cfg.Region) && got.Endpoint == cfg.Endpoint && got.Prefix == cfg.Prefix &&
		(got.ForcePathStyle == nil || *got.ForcePathStyle == fps)
	if same && c.sess.SentHash(remoteStoreName) == secretHash {
		return live, nil
	}
	updated, err := c.api.UpdateRemoteBlockStore(ctx, remoteStoreName, cfg)
	if err != nil {
		return nil, c.storeRejected(err, "S3 block store "+remoteStoreName)
	}
	c.sess.RecordSent(remoteStoreName, secretHash)
	if updated.ID == "" {
		updated.ID = live.ID
	}
	return updated, nil
}

// s3Credentials reads the access key pair from the Secret spec.payloadStore.s3 names; a missing
// Secret or key is a *phases.Blocked error.
func s3Credentials(ctx context.Context, s *phases.Scope, d *v1alpha1.DittoFS) (id, key string, err error) {
	secretName := d.Spec.PayloadStore.S3.CredentialsSecretRef.Name
	sec := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: secretName}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", phases.Block(v1alpha1.ReasonS3CredentialsMissing, "Secret %s named by spec.payloadStore.s3.credentialsSecretRef does not exist.", secretName)
		}
		return "", "", fmt.Errorf("get Secret %s: %w", secretName, err)
	}
	id, key = string(sec.Data[S3AccessKeyIDKey]), string(sec.Data[S3SecretAccessKeyKey])
	if id == "" || key == "" {
		return "", "", phases.Block(v1alpha1.ReasonS3CredentialsMissing, "Secret %s needs the keys %s and %s.", secretName, S3AccessKeyIDKey, S3SecretAccessKeyKey)
	}
	return id, key, nil
}

// storeRejected is the error for a store the server refused: a fatal error as it is, any other
// as a *phases.Blocked that names the store.
func (c *converger) storeRejected(err error, what string) error {
	if server.Fatal(err) {
		return err
	}
	return phases.Block(v1alpha1.ReasonStoreRejected, "The server rejected %s: %v.", what, err)
}
