package perconatest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestControlledFieldsFollowTheSpecAndOthersSurvive: a change to what the DittoFS controls
// (instances, storage size) reaches the cluster, while fields someone else set on the cluster (at
// the top of its spec and inside the operator's own instance set) survive; a volume grown by hand
// is never asked to shrink; and nothing is written while the DittoFS does not change.
func TestControlledFieldsFollowTheSpecAndOthersSurvive(t *testing.T) {
	ns := newNamespace(t)
	startOperator(t, ns)
	d := onPercona(ns, "grow", "")
	d.Spec.Database.Postgres.Percona.StorageSize = resource.MustParse("5Gi")
	d = createBound(t, d)
	pg := cluster(t, ns, "grow-pg")

	// Someone else (a platform team, with kubectl patch) tunes the cluster.
	patch := `[
	  {"op": "add", "path": "/spec/patroni", "value": {"syncPeriodSeconds": 17}},
	  {"op": "add", "path": "/spec/instances/0/resources", "value": {"limits": {"cpu": "3"}}},
	  {"op": "add", "path": "/metadata/annotations/team", "value": "platform"}
	]`
	require.NoError(t, k8s.Patch(ctx, pg, client.RawPatch(types.JSONPatchType, []byte(patch)), client.FieldOwner("platform-team")))
	rv := pg.GetResourceVersion()

	// Reconciles that change nothing write nothing to the cluster.
	poke(t, d, 3)
	settle(t)
	assert.Equal(t, rv, cluster(t, ns, "grow-pg").GetResourceVersion(), "no write to the cluster while the DittoFS does not change")

	// The DittoFS asks for more instances and a larger volume.
	d = get(t, ns, "grow")
	d.Spec.Database.Postgres.Percona.Instances = 2
	d.Spec.Database.Postgres.Percona.StorageSize = resource.MustParse("8Gi")
	require.NoError(t, k8s.Update(ctx, d))
	eventually(t, "the cluster to carry 2 replicas of 8Gi", func() error {
		pg = cluster(t, ns, "grow-pg")
		set := instanceSet(t, pg, "instance1")
		if str(set, "replicas") != "2" || str(set, "dataVolumeClaimSpec", "resources", "requests", "storage") != "8Gi" {
			return fmt.Errorf("instance1 is %v", set.Object)
		}
		return nil
	})
	assert.Equal(t, "17", str(pg, "spec", "patroni", "syncPeriodSeconds"), "a field the operator does not control must survive")
	assert.Equal(t, "3", str(instanceSet(t, pg, "instance1"), "resources", "limits", "cpu"), "inside its own instance set too")
	assert.Equal(t, "platform", pg.GetAnnotations()["team"])

	// A volume grown by hand stays grown when the DittoFS next changes the cluster.
	grown := `[{"op": "replace", "path": "/spec/instances/0/dataVolumeClaimSpec/resources/requests/storage", "value": "12Gi"}]`
	require.NoError(t, k8s.Patch(ctx, pg, client.RawPatch(types.JSONPatchType, []byte(grown)), client.FieldOwner("platform-team")))
	d = get(t, ns, "grow")
	d.Spec.Database.Postgres.Percona.Instances = 3
	require.NoError(t, k8s.Update(ctx, d))
	eventually(t, "the cluster to carry 3 replicas", func() error {
		pg = cluster(t, ns, "grow-pg")
		if got := str(instanceSet(t, pg, "instance1"), "replicas"); got != "3" {
			return fmt.Errorf("replicas %s", got)
		}
		return nil
	})
	assert.Equal(t, "12Gi", str(instanceSet(t, pg, "instance1"), "dataVolumeClaimSpec", "resources", "requests", "storage"),
		"a volume is never asked to shrink")
	assert.Equal(t, "17", str(pg, "spec", "patroni", "syncPeriodSeconds"))
}
