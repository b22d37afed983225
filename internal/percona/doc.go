// Package percona is the DittoFS operator's adapter to the Percona Operator for PostgreSQL: it
// builds, applies, reads, orphans and deletes PerconaPGClusters. It is the only package that
// imports Percona's Go types, so the rest of the operator depends on plain facts (Cluster).
package percona
