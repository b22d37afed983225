package main

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/dittofs/dittofs-operator/e2e/cluster"
)

// TestDemo runs the README's demo command end to end: it fails if the sample does not reach
// Serving with an NFS endpoint on the simulated cluster with the real operator binary.
func TestDemo(t *testing.T) {
	if _, err := cluster.RequireTools(); errors.Is(err, cluster.ErrToolsMissing) && os.Getenv("DITTOFS_REQUIRE_E2E") == "" {
		t.Skipf("toolchain missing (%v); run 'make tools'", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, true, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
}
