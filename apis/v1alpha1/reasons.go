package v1alpha1

// Condition reasons. They are API: users alert on them and `kubectl wait` scripts match them, so
// a reason is renamed only with a new API version. Each says which condition sets it.

// Reasons shared across steps and of the summary conditions (Ready, Degraded).
const (
	// ReasonWaitingForPreviousStep marks a step that has not run because an earlier one is not done.
	ReasonWaitingForPreviousStep = "WaitingForPreviousStep"
	// ReasonReconcileError marks a step that failed to talk to the API server; it is retried.
	ReasonReconcileError = "ReconcileError"
	// ReasonReady (Ready=True): every step and sub-phase is done.
	ReasonReady = "Ready"
	// ReasonNotDegraded (Degraded=False).
	ReasonNotDegraded = "NotDegraded"
	// ReasonNameConflict (any step): an object the operator would create already exists and is
	// not this DittoFS's (made by hand, or by another DittoFS whose generated names collide);
	// it is never overwritten or adopted.
	ReasonNameConflict = "NameConflict"
)

// Reasons of StorageReady.
const (
	// ReasonVolumesBound: every claim is bound.
	ReasonVolumesBound = "VolumesBound"
	// ReasonVolumesReady: the claims exist and bind when the pod is scheduled (WaitForFirstConsumer).
	ReasonVolumesReady = "VolumesReady"
	// ReasonWaitingForVolumes: claims are not bound yet.
	ReasonWaitingForVolumes = "WaitingForVolumes"
	// ReasonVolumeLost: a claim lost its volume.
	ReasonVolumeLost = "VolumeLost"
	// ReasonStorageClassNotFound: spec.storage.storageClassName names no class.
	ReasonStorageClassNotFound = "StorageClassNotFound"
	// ReasonNoDefaultStorageClass: no class is named and the cluster has no default.
	ReasonNoDefaultStorageClass = "NoDefaultStorageClass"
	// ReasonVolumeExpansionNotSupported: a larger size was asked of a class that cannot expand.
	ReasonVolumeExpansionNotSupported = "VolumeExpansionNotSupported"
)

// Reasons of DatabaseReady. The waiting ones become DatabaseTimeout once database.readyTimeout
// has passed; configuration problems are reported as they are.
const (
	// ReasonSQLite: the control plane uses SQLite on its own volume.
	ReasonSQLite = "SQLite"
	// ReasonPostgresUnavailable: this operator build cannot provide PostgreSQL.
	ReasonPostgresUnavailable = "PostgresUnavailable"
	// ReasonPostgresNotConfigured: database.type is postgres without database.postgres.
	ReasonPostgresNotConfigured = "PostgresNotConfigured"
	// ReasonPerconaCRDMissing: a Percona cluster is asked for and its CRD was not installed at start.
	ReasonPerconaCRDMissing = "PerconaCRDMissing"
	// ReasonClusterNotFound: the referenced PerconaPGCluster does not exist.
	ReasonClusterNotFound = "ClusterNotFound"
	// ReasonClusterConflict: a same-named PerconaPGCluster exists that this DittoFS did not create.
	ReasonClusterConflict = "ClusterConflict"
	// ReasonDatabaseInUse: database.postgres.percona.clusterRef names a PerconaPGCluster another
	// DittoFS created for its own control plane; two servers never share one, and the creator's
	// deletionPolicy would decide the fate of this one's data. Also the reason of the Warning
	// event when a DittoFS with deletionPolicy Delete keeps its cluster because another DittoFS
	// references it.
	ReasonDatabaseInUse = "DatabaseInUse"
	// ReasonUserNotDeclared: the PerconaPGCluster declares no user for the server.
	ReasonUserNotDeclared = "UserNotDeclared"
	// ReasonClusterInitializing: the PerconaPGCluster is not ready yet.
	ReasonClusterInitializing = "ClusterInitializing"
	// ReasonClusterNotReady: a PerconaPGCluster that was ready is not any more.
	ReasonClusterNotReady = "ClusterNotReady"
	// ReasonSecretMissing: the connection Secret does not exist.
	ReasonSecretMissing = "SecretMissing"
	// ReasonSecretMissingKey: the connection Secret lacks a required key.
	ReasonSecretMissingKey = "SecretMissingKey"
	// ReasonDatabaseTimeout: the database is still not usable after database.readyTimeout.
	ReasonDatabaseTimeout = "DatabaseTimeout"
	// ReasonPerconaReady: the PerconaPGCluster is ready and its user Secret complete.
	ReasonPerconaReady = "PerconaClusterReady"
	// ReasonExternalReady: the user's connection Secret is complete.
	ReasonExternalReady = "ExternalPostgresReady"
)

// Reasons of ConfigReady.
const (
	// ReasonConfigRendered: the ConfigMap and generated Secrets are in place.
	ReasonConfigRendered = "ConfigRendered"
	// ReasonSecretInvalid: a Secret the server reads holds an unusable value (also DatabaseReady).
	ReasonSecretInvalid = "SecretInvalid"
	// ReasonSecretLost: a generated Secret is gone after the server started with it.
	ReasonSecretLost = "SecretLost"
	// ReasonWaitingForSecret: a Secret the operator just created is not observed yet.
	ReasonWaitingForSecret = "WaitingForSecret"
	// ReasonTLSSecretMissing: the Secret named by controlPlane.tls.secretName does not exist.
	ReasonTLSSecretMissing = "TLSSecretMissing"
	// ReasonTLSSecretInvalid: the TLS Secret lacks tls.crt or tls.key, or they are not a
	// certificate and its private key.
	ReasonTLSSecretInvalid = "TLSSecretInvalid"
	// ReasonTLSCAMissing: the TLS Secret has no usable ca.crt, so the operator cannot verify the
	// server's certificate and does not talk to it.
	ReasonTLSCAMissing = "TLSCAMissing"
	// ReasonTLSCertificateUntrusted: tls.crt does not verify against ca.crt for the API Service's
	// name (another CA, another name, expired or not yet valid).
	ReasonTLSCertificateUntrusted = "TLSCertificateUntrusted"
	// ReasonCertManagerMissing: controlPlane.tls.certManager is set and cert-manager's Certificate
	// CRD was not installed when the operator started.
	ReasonCertManagerMissing = "CertManagerMissing"
	// ReasonWaitingForCertificate: the operator's Certificate exists and cert-manager has not
	// written its Secret yet.
	ReasonWaitingForCertificate = "WaitingForCertificate"
)

// Reasons of Serving and LoadBalancerReady.
const (
	// ReasonServerReady (Serving): the pod runs the current template and is ready.
	ReasonServerReady = "ServerReady"
	// ReasonPodNotReady (Serving): the server pod is not ready, or not there yet, and nothing
	// in its state says the user must act (it is being created, starting, or restarting).
	ReasonPodNotReady = "PodNotReady"
	// ReasonPodUnschedulable (Serving): the scheduler cannot place the server pod.
	ReasonPodUnschedulable = "PodUnschedulable"
	// ReasonImagePullFailed (Serving): the server image cannot be pulled (ErrImagePull,
	// ImagePullBackOff, InvalidImageName).
	ReasonImagePullFailed = "ImagePullFailed"
	// ReasonContainerConfigError (Serving): the server container cannot be created from its
	// spec, typically because a Secret or key it reads is missing (CreateContainerConfigError).
	ReasonContainerConfigError = "ContainerConfigError"
	// ReasonCrashLoopBackOff (Serving): the server keeps exiting; the message has the last exit
	// code and termination message.
	ReasonCrashLoopBackOff = "CrashLoopBackOff"
	// ReasonOOMKilled (Serving): the server keeps being killed for exceeding its memory limit.
	ReasonOOMKilled = "OOMKilled"
	// ReasonRollingOut (Serving): the pod is being replaced with the current template.
	ReasonRollingOut = "RollingOut"
	// ReasonRolloutStuck (Serving): the pod on the new template has not become ready within
	// the rollout deadline.
	ReasonRolloutStuck = "RolloutStuck"
	// ReasonAddressAssigned (LoadBalancerReady): the load balancer has an address.
	ReasonAddressAssigned = "AddressAssigned"
	// ReasonWaitingForLoadBalancer (LoadBalancerReady): no address yet, within the timeout.
	ReasonWaitingForLoadBalancer = "WaitingForLoadBalancer"
	// ReasonNodePortFallback (LoadBalancerReady): no address after the timeout; node ports are reported.
	ReasonNodePortFallback = "NodePortFallback"
)

// Reasons of SharesReady.
const (
	// ReasonSharesReady: stores, adapters and every share match the spec.
	ReasonSharesReady = "SharesReady"
	// ReasonAdminSecretMissing: the admin Secret or its password is missing.
	ReasonAdminSecretMissing = "AdminSecretMissing"
	// ReasonServerUnreachable: the server's REST API does not answer.
	ReasonServerUnreachable = "ServerUnreachable"
	// ReasonAdminLoginFailed: the server refused the admin credentials.
	ReasonAdminLoginFailed = "AdminLoginFailed"
	// ReasonAdminForbidden: the admin user may not manage the server.
	ReasonAdminForbidden = "AdminForbidden"
	// ReasonServerRejected: the server refused a request.
	ReasonServerRejected = "ServerRejected"
	// ReasonStoreRejected: the server refused a store's configuration.
	ReasonStoreRejected = "StoreRejected"
	// ReasonAdapterRejected: the server refused an adapter's settings.
	ReasonAdapterRejected = "AdapterRejected"
	// ReasonShareFailed: at least one share could not be converged.
	ReasonShareFailed = "ShareFailed"
	// ReasonS3CredentialsMissing: the S3 credentials Secret or a key in it is missing.
	ReasonS3CredentialsMissing = "S3CredentialsMissing"
	// ReasonControlPlaneDatabaseUnreachable: the server reports its PostgreSQL control-plane
	// database unreachable; it recovers by itself when the database is back.
	ReasonControlPlaneDatabaseUnreachable = "ControlPlaneDatabaseUnreachable"
	// ReasonPostgresStoreUnavailable: the postgres metadata store cannot be configured.
	ReasonPostgresStoreUnavailable = "PostgresStoreUnavailable"
	// ReasonServerCertificateUntrusted: the REST API answered TLS with a certificate that does
	// not verify against the CA of the TLS Secret for the name the operator dials; nothing was
	// sent to it. ConfigReady has checked the Secret itself, so the server presents something
	// else: usually its previous certificate until the kubelet updates the mounted Secret. Not
	// a stall: it is retried.
	ReasonServerCertificateUntrusted = "ServerCertificateUntrusted"
)

// Reasons of BackupsReady.
const (
	// ReasonBackupsReady: every share's schedule matches the spec and its requests are done.
	ReasonBackupsReady = "BackupsReady"
	// ReasonNoBackups: no share declares snapshots or a restore.
	ReasonNoBackups = "NoBackups"
	// ReasonSnapshotInProgress: an on-demand snapshot is being taken.
	ReasonSnapshotInProgress = "SnapshotInProgress"
	// ReasonSnapshotFailed: an on-demand snapshot failed; remove or rename the request.
	ReasonSnapshotFailed = "SnapshotFailed"
	// ReasonRestoring: a restore the user asked for is running; the share is offline.
	ReasonRestoring = "Restoring"
	// ReasonRestoreFailed: a restore did not happen or did not finish; remove or rename it.
	ReasonRestoreFailed = "RestoreFailed"
	// ReasonRestoreSnapshotNotFound: the snapshot a restore names does not exist on the server.
	ReasonRestoreSnapshotNotFound = "RestoreSnapshotNotFound"
	// ReasonPolicyConflict: the share has a snapshot policy the operator did not create.
	ReasonPolicyConflict = "PolicyConflict"
	// ReasonPolicyRejected: the server refused the share's snapshot policy.
	ReasonPolicyRejected = "PolicyRejected"
	// ReasonScheduleStalled: a schedule has not produced a ready snapshot for two intervals.
	ReasonScheduleStalled = "ScheduleStalled"
)

// Reasons of Reconciling and Stalled. Otherwise they carry the reason of the first condition that
// is not met, as Ready does.
const (
	// ReasonReconciled (Reconciling=False): the latest spec is applied and every step is done.
	ReasonReconciled = "Reconciled"
	// ReasonNotStalled (Stalled=False).
	ReasonNotStalled = "NotStalled"
	// ReasonStalled (Reconciling=False): the operator cannot progress until the user acts;
	// Stalled says why.
	ReasonStalled = "Stalled"
	// ReasonPaused (Paused=True, Reconciling=True, Stalled=False): spec.paused is set, so the
	// operator applies nothing until it is false.
	ReasonPaused = "Paused"
)

// stalledReasons are the reasons of a step that does not get done by waiting: the user must
// change the spec, a Secret, the cluster (a StorageClass, a CRD) or the server's data. Every
// other reason of a step that is not done is work in progress (Reconciling): something the
// operator or the cluster is doing (binding volumes, starting the pod, rolling out, a database
// initialising), or a failure retried on its own (the server unreachable, an API error).
var stalledReasons = map[string]bool{
	ReasonNameConflict: true,
	// StorageReady
	ReasonVolumeLost:                  true,
	ReasonStorageClassNotFound:        true,
	ReasonNoDefaultStorageClass:       true,
	ReasonVolumeExpansionNotSupported: true,
	// DatabaseReady
	ReasonPostgresUnavailable:   true,
	ReasonPostgresNotConfigured: true,
	ReasonPerconaCRDMissing:     true,
	ReasonClusterNotFound:       true,
	ReasonClusterConflict:       true,
	ReasonDatabaseInUse:         true,
	ReasonUserNotDeclared:       true,
	ReasonSecretMissing:         true,
	ReasonSecretMissingKey:      true,
	// The database's own deadline (database.readyTimeout) has passed.
	ReasonDatabaseTimeout: true,
	// ConfigReady
	ReasonSecretInvalid: true,
	ReasonSecretLost:    true,
	// The TLS Secret or cert-manager; WaitingForCertificate is not: cert-manager works on it.
	ReasonTLSSecretMissing:        true,
	ReasonTLSSecretInvalid:        true,
	ReasonTLSCAMissing:            true,
	ReasonTLSCertificateUntrusted: true,
	ReasonCertManagerMissing:      true,
	// Serving. PodUnschedulable is not: an autoscaler may add the capacity.
	ReasonImagePullFailed:      true,
	ReasonContainerConfigError: true,
	ReasonCrashLoopBackOff:     true,
	ReasonOOMKilled:            true,
	ReasonRolloutStuck:         true,
	// SharesReady
	ReasonAdminSecretMissing:       true,
	ReasonAdminLoginFailed:         true,
	ReasonAdminForbidden:           true,
	ReasonServerRejected:           true,
	ReasonStoreRejected:            true,
	ReasonAdapterRejected:          true,
	ReasonShareFailed:              true,
	ReasonS3CredentialsMissing:     true,
	ReasonPostgresStoreUnavailable: true,
	// BackupsReady
	ReasonSnapshotFailed:          true,
	ReasonRestoreFailed:           true,
	ReasonRestoreSnapshotNotFound: true,
	ReasonPolicyConflict:          true,
	ReasonPolicyRejected:          true,
}

// Stalls reports whether a step blocked with this reason cannot progress without the user. It
// is the one place that decides Stalled.
func Stalls(reason string) bool { return stalledReasons[reason] }
