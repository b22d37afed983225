// Package gc proves, against the real garbage collector of the simulated cluster's
// kube-controller-manager, that the garbage collector never deletes what holds a DittoFS's data
// when its spec.storage.deletionPolicy is Retain: not on a foreground delete, and not while the
// operator is away. envtest has no garbage collector, so only a running one proves this.
package gc
