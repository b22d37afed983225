package v1alpha1

// Condition types. Each step of the phase machine owns one; Ready summarises them.
const (
	ConditionStorageReady      = "StorageReady"
	ConditionDatabaseReady     = "DatabaseReady"
	ConditionConfigReady       = "ConfigReady"
	ConditionServing           = "Serving"
	ConditionLoadBalancerReady = "LoadBalancerReady"
	ConditionSharesReady       = "SharesReady"
	ConditionBackupsReady      = "BackupsReady"
	ConditionDegraded          = "Degraded"
	ConditionReady             = "Ready"
)

// The conditions kstatus reads (Helm --wait, Flux, Argo CD, cli-utils): Reconciling is True while
// the operator still works toward the spec, Stalled is True when it cannot progress without the
// user (Stalls decides which reasons those are). At most one of them is True.
const (
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// ConditionPaused is True while spec.paused is set; it is absent otherwise.
const ConditionPaused = "Paused"

// Finalizer lets the operator apply the deletion policy before the DittoFS disappears.
const Finalizer = "dittofs.io/finalizer"
