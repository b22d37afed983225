package chartgen

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestSplitKeepsEveryPermissionInTheRightPlace(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets", "nodes", "pods"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create"}},
		{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		{APIGroups: []string{"pgv2.percona.com"}, Resources: []string{"perconapgclusters", "perconapgclusters/status"}, Verbs: []string{"get"}},
		{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
	}
	got := Split(rules)

	assert.Equal(t, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses"}, Verbs: []string{"get", "list", "watch"}},
		{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
	}, got.ClusterScoped)
	assert.Equal(t, []rbacv1.PolicyRule{
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}, got.LeaderElection, "leader election records core Events")
	assert.Equal(t, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "secrets"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		{APIGroups: []string{"pgv2.percona.com"}, Resources: []string{"perconapgclusters", "perconapgclusters/status"}, Verbs: []string{"get"}},
	}, got.Namespaced)

	all := append(append(append([]rbacv1.PolicyRule{}, got.ClusterScoped...), got.LeaderElection...), got.Namespaced...)
	assert.Equal(t, Permissions(rules), Permissions(all), "splitting neither adds nor loses a permission")
}

func TestParseRoleRejectsOtherKinds(t *testing.T) {
	_, err := ParseRole([]byte("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: x}\nrules: []\n"))
	require.ErrorContains(t, err, "expected a ClusterRole")
	_, err = ParseRole([]byte("---\n"))
	require.ErrorContains(t, err, "no rules")
}
