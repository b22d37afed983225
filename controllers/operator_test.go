package controllers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

func TestNamespacesBecomeCacheScopes(t *testing.T) {
	assert.Nil(t, namespaces(nil), "nil watches every namespace")
	assert.Nil(t, namespaces([]string{" ", ""}), "blank entries do not narrow the scope to nothing")
	assert.Equal(t, map[string]cache.Config{"a": {}, "b": {}}, namespaces([]string{"a", " b "}))
}

func TestClientLimitsDefaultAndOverride(t *testing.T) {
	cfg := &rest.Config{Host: "https://example.invalid", QPS: -1}
	got := withClientLimits(cfg, Options{})
	assert.Equal(t, float32(DefaultQPS), got.QPS, "zero means the default, whatever the kubeconfig loader chose")
	assert.Equal(t, DefaultBurst, got.Burst)
	assert.Equal(t, float32(-1), cfg.QPS, "the caller's config is not changed")
	got = withClientLimits(cfg, Options{QPS: -1, Burst: 7})
	assert.Equal(t, float32(-1), got.QPS, "negative turns the client-side limit off")
	assert.Equal(t, 7, got.Burst)
}
