// Package scale is the scale benchmark (make scale-bench): on the simulated cluster it creates N
// DittoFS at once for each N asked, with the operator binary running as its own process and one
// real dfs answering every DittoFS's REST calls (kwok plays the pods and volumes), and prints one
// table: how long until every DittoFS is Serving, what it cost the API server (requests counted
// from its audit log by the operator's user agent), reconcile latency from the operator's own
// metrics, and the operator's and API server's memory and CPU. Beside it is a floor: the same
// objects created directly, with no operator, and the time until their pods are Ready. It asserts
// nothing and is skipped unless DITTOFS_SCALE_BENCH is set.
package scale
