package percona

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	pgv2 "github.com/percona/percona-postgresql-operator/v2/pkg/apis/pgv2.percona.com/v2"

	"github.com/dittofs/dittofs-operator/internal/specs"
)

// States of status.state the adapter names.
const (
	StateReady        = string(pgv2.AppStateReady)
	StateInitializing = string(pgv2.AppStateInit)
)

// Cluster is what the DittoFS operator reads from a PerconaPGCluster.
type Cluster struct {
	Name    string
	Created time.Time
	// State is status.state: empty until the Percona operator first reports, then
	// initializing, ready, paused or stopping.
	State string
	// Size and Ready count PostgreSQL instances (status.postgres).
	Size, Ready int32
	// CreatedFor is the DittoFS the cluster was made for (its instance label, when the DittoFS
	// operator's managed-by label is there), "" for a cluster made by someone else.
	CreatedFor string
	// User is the PostgreSQL user the DittoFS connects as, for a cluster it creates (see
	// userFor); "" for a referenced one, whose user comes from the spec.
	User string
	// users maps each user of spec.users to its custom Secret name ("" for the default one).
	users map[string]string
}

// Get reads a cluster, for clusterRef. found is false when it does not exist.
func (c *Clusters) Get(ctx context.Context, namespace, name string) (Cluster, bool, error) {
	live := &pgv2.PerconaPGCluster{}
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, live)
	switch {
	case apierrors.IsNotFound(err):
		return Cluster{}, false, nil
	case err != nil:
		return Cluster{}, false, fmt.Errorf("get PerconaPGCluster %s: %w", name, err)
	}
	return observe(live), true, nil
}

// Usable is Percona's readiness rule: the operator reports the cluster ready and at least one
// PostgreSQL instance exists. (The user Secret is checked apart.)
func (c Cluster) Usable() bool { return c.State == StateReady && c.Size > 0 }

// UserSecret is the Secret the Percona operator writes for user, and whether the cluster
// declares that user at all. With no spec.users, Percona makes one user named after the cluster.
// A custom secretName is returned as "" with a reason: the operator watches Secrets by the
// default name only.
func (c Cluster) UserSecret(user string) (secret string, problem string) {
	if len(c.users) == 0 {
		if user != c.Name {
			return "", fmt.Sprintf("PerconaPGCluster %s declares no spec.users, so its only user is %q; add {name: %s, databases: [%s]} to its spec.users or set database.postgres.percona.user.",
				c.Name, c.Name, user, user)
		}
		return specs.PerconaUserSecretName(c.Name, user), ""
	}
	custom, ok := c.users[user]
	switch {
	case !ok:
		return "", fmt.Sprintf("PerconaPGCluster %s does not declare user %q in spec.users; add {name: %s, databases: [%s]}.", c.Name, user, user, user)
	case custom != "" && custom != specs.PerconaUserSecretName(c.Name, user):
		return "", fmt.Sprintf("PerconaPGCluster %s gives user %q the custom secretName %s; remove it so the Secret is %s.",
			c.Name, user, custom, specs.PerconaUserSecretName(c.Name, user))
	}
	return specs.PerconaUserSecretName(c.Name, user), ""
}

// observeCreated is observe of a cluster the DittoFS creates, with the user it gives the DittoFS.
func observeCreated(pg *pgv2.PerconaPGCluster, user string) Cluster {
	c := observe(pg)
	c.User = user
	return c
}

func observe(pg *pgv2.PerconaPGCluster) Cluster {
	users := map[string]string{}
	for _, u := range pg.Spec.Users {
		users[string(u.Name)] = string(u.SecretName)
	}
	var createdFor string
	if pg.Labels[specs.ManagedByLabel] == specs.ManagedBy {
		createdFor = pg.Labels[specs.InstanceLabel]
	}
	return Cluster{
		Name:       pg.Name,
		CreatedFor: createdFor,
		Created:    pg.CreationTimestamp.Time,
		State:      string(pg.Status.State),
		Size:       pg.Status.Postgres.Size,
		Ready:      pg.Status.Postgres.Ready,
		users:      users,
	}
}
