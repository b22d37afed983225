// Package faults is the fault suite: the operator converges through crashes and outages and
// loses nothing. It runs on the simulated cluster (e2e/cluster), with the operator binary
// (./cmd/manager) as a separate process that is killed with SIGKILL and restarted, and the real
// dfs for every server pod (e2e/kubelet). Its checks read the real objects and the real server
// (REST API, NFS), never the operator's own status claims.
//
// Scenarios, each ending with one summary line
// (scenario=<name> runs=N converged=N duplicates=0 lost=0 regenerated=0):
//   - kill9: SIGKILL the operator at random points of a full lifecycle: 10 kills, 100 in the long
//     run (FAULTS_LONG=1, as make faults sets); FAULTS_KILLS sets another number.
//   - apiserver: kube-apiserver killed in the middle of a reconcile, down for 30 s, started again
//     (once in the short run, twice in the long one).
//   - dataplane: the dfs of a server pod killed twice; the DittoFS is Degraded, then Serving.
//   - postgres (long run only): the real PostgreSQL of the secretRef path stopped and started.
//
// FAULTS_SEED replays a run; FAULTS_KEEP_LOGS=1 keeps the logs of a passing run.
package faults
