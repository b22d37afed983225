package v1alpha1

// Condition types. Each step of the phase machine owns one; Ready summarises them.
const (
	ConditionStorageReady      = "StorageReady"
	ConditionDatabaseReady     = "DatabaseReady"
	ConditionConfigReady       = "ConfigReady"
	ConditionServing           = "Serving"
	ConditionLoadBalancerReady = "LoadBalancerReady"
	ConditionSharesReady       = "SharesReady"
	ConditionDegraded          = "Degraded"
	ConditionReady             = "Ready"
)

// Condition reasons shared across steps.
const (
	// ReasonWaitingForPreviousStep marks a step that has not run because an earlier one is not done.
	ReasonWaitingForPreviousStep = "WaitingForPreviousStep"
	// ReasonReconcileError marks a step that failed to talk to the API server.
	ReasonReconcileError = "ReconcileError"
)

// Finalizer lets the operator apply the deletion policy before the DittoFS disappears.
const Finalizer = "dittofs.io/finalizer"
