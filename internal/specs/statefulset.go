package specs

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// ServerUID is the user and group the DittoFS image runs as.
const ServerUID = 65532

// ServerContainerName is the server's container in the pod.
const ServerContainerName = "dittofs"

// PodInputs are the facts, observed by earlier steps, that the server pod is built from.
type PodInputs struct {
	// ConfigHash of everything the pod consumes; on the pod template so a change rolls the pod.
	ConfigHash string
	// DatabaseEnv connects the server to PostgreSQL (empty for SQLite).
	DatabaseEnv []corev1.EnvVar
	// DefaultImage is the server image when spec.image is empty (the manager's
	// --default-dittofs-image); v1alpha1.DefaultImage when this is empty too.
	DefaultImage string
}

// StatefulSet runs the one DittoFS server pod. DittoFS is a single server: one replica, and an
// OrderedReady StatefulSet guarantees the old pod is gone before a new one mounts the volumes.
func StatefulSet(d *v1alpha1.DittoFS, in PodInputs) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: StatefulSetName(d), Namespace: d.Namespace, Labels: Labels(d)},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To[int32](1),
			ServiceName:         APIServiceName(d),
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			Selector:            &metav1.LabelSelector{MatchLabels: SelectorLabels(d)},
			Template:            podTemplate(d, in),
		},
	}
}

func podTemplate(d *v1alpha1.DittoFS, in PodInputs) corev1.PodTemplateSpec {
	labels := Labels(d)
	for k, v := range SelectorLabels(d) {
		labels[k] = v
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      labels,
			Annotations: map[string]string{ConfigHashAnnotation: in.ConfigHash},
		},
		Spec: corev1.PodSpec{
			// Drain takes up to 3 x shutdown_timeout + 5 s in the server.
			TerminationGracePeriodSeconds: ptr.To[int64](3*ShutdownTimeout + 10),
			SecurityContext:               podSecurityContext(),
			ImagePullSecrets:              d.Spec.ImagePullSecrets,
			NodeSelector:                  d.Spec.Scheduling.NodeSelector,
			Tolerations:                   d.Spec.Scheduling.Tolerations,
			Affinity:                      d.Spec.Scheduling.Affinity,
			PriorityClassName:             d.Spec.Scheduling.PriorityClassName,
			AutomountServiceAccountToken:  ptr.To(false),
			Containers:                    []corev1.Container{serverContainer(d, in)},
			Volumes:                       podVolumes(d),
			// Service links would put DITTOFS_CONTROLPLANE_PORT=tcp://... and the like into the
			// environment for a Service named dittofs-controlplane (or dittofs-metrics, ...) in the
			// namespace; the server reads every DITTOFS_* variable as its own config and exits.
			EnableServiceLinks: ptr.To(false),
		},
	}
}

func serverContainer(d *v1alpha1.DittoFS, in PodInputs) corev1.Container {
	return corev1.Container{
		Name:            ServerContainerName,
		Image:           serverImage(d, in),
		ImagePullPolicy: d.Spec.ImagePullPolicy,
		Args:            []string{"start", "--foreground", "--config", ConfigDir + "/" + ConfigFileName},
		Ports:           containerPorts(d),
		Env:             serverEnv(d, in),
		Resources:       d.Spec.Resources,
		VolumeMounts:    volumeMounts(d),
		StartupProbe: &corev1.Probe{
			ProbeHandler:     httpGet(d, "/health", APIPortName),
			PeriodSeconds:    2,
			FailureThreshold: 60,
		},
		// /health answers while HTTP is up even if a listener failed to bind, so readiness checks
		// the data plane itself: a TCP connect to the file protocol port.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(dataPlanePortName(d))}},
			PeriodSeconds:    5,
			FailureThreshold: 3,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     httpGet(d, "/health", APIPortName),
			PeriodSeconds:    10,
			FailureThreshold: 6,
			TimeoutSeconds:   5,
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
}

// serverImage is spec.image, else the operator's default image, else v1alpha1.DefaultImage.
func serverImage(d *v1alpha1.DittoFS, in PodInputs) string {
	switch {
	case d.Spec.Image != "":
		return d.Spec.Image
	case in.DefaultImage != "":
		return in.DefaultImage
	}
	return v1alpha1.DefaultImage
}

// podSecurityContext satisfies the restricted pod security profile.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        ptr.To(true),
		RunAsUser:           ptr.To[int64](ServerUID),
		RunAsGroup:          ptr.To[int64](ServerUID),
		FSGroup:             ptr.To[int64](ServerUID),
		FSGroupChangePolicy: ptr.To(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func containerPorts(d *v1alpha1.DittoFS) []corev1.ContainerPort {
	ports := []corev1.ContainerPort{{Name: APIPortName, ContainerPort: APIPort, Protocol: corev1.ProtocolTCP}}
	if d.Spec.Adapters.NFS.IsEnabled() {
		ports = append(ports, corev1.ContainerPort{Name: NFSPortName, ContainerPort: NFSContainerPort, Protocol: corev1.ProtocolTCP})
	}
	if d.Spec.Adapters.SMB.Enabled {
		ports = append(ports, corev1.ContainerPort{Name: SMBPortName, ContainerPort: SMBContainerPort, Protocol: corev1.ProtocolTCP})
	}
	if d.Spec.Metrics.Enabled {
		ports = append(ports, corev1.ContainerPort{Name: MetricsPortName, ContainerPort: d.Spec.Metrics.Port, Protocol: corev1.ProtocolTCP})
	}
	return ports
}

// dataPlanePortName is the port the readiness probe checks: NFS when enabled, else SMB.
func dataPlanePortName(d *v1alpha1.DittoFS) string {
	if d.Spec.Adapters.NFS.IsEnabled() || !d.Spec.Adapters.SMB.Enabled {
		return NFSPortName
	}
	return SMBPortName
}

// Environment variables the server reads its secrets from.
const (
	EnvJWTSecret     = "DITTOFS_CONTROLPLANE_SECRET"
	EnvAdminPassword = "DITTOFS_ADMIN_INITIAL_PASSWORD"
)

func serverEnv(d *v1alpha1.DittoFS, in PodInputs) []corev1.EnvVar {
	env := []corev1.EnvVar{
		secretEnv(EnvJWTSecret, JWTSecretName(d), JWTSecretKey),
		secretEnv(EnvAdminPassword, AdminSecretName(d), AdminPasswordKey),
	}
	return append(env, in.DatabaseEnv...)
}

// secretEnv references a Secret key, so the value never leaves the Secret.
func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key},
	}}
}

func volumeMounts(d *v1alpha1.DittoFS) []corev1.VolumeMount {
	mounts := []corev1.VolumeMount{
		{Name: "config", MountPath: ConfigDir, ReadOnly: true},
		{Name: "tmp", MountPath: "/tmp"},
	}
	if d.Spec.ControlPlane.TLSEnabled() {
		mounts = append(mounts, corev1.VolumeMount{Name: "api-tls", MountPath: TLSDir, ReadOnly: true})
	}
	for _, v := range Volumes(d) {
		mounts = append(mounts, corev1.VolumeMount{Name: v.Role, MountPath: v.MountPath})
	}
	return mounts
}

func podVolumes(d *v1alpha1.DittoFS) []corev1.Volume {
	vols := []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(d)},
		}}},
		// The root filesystem is read-only; the server may still need scratch space.
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
	if d.Spec.ControlPlane.TLSEnabled() {
		vols = append(vols, tlsVolume(d))
	}
	for _, v := range Volumes(d) {
		vols = append(vols, corev1.Volume{Name: v.Role, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: ClaimName(d, v.Role)},
		}})
	}
	return vols
}

// httpGet probes the REST API's listener, which serves /health over HTTPS too when TLS is on
// (the kubelet does not verify the certificate of a probe).
func httpGet(d *v1alpha1.DittoFS, path, port string) corev1.ProbeHandler {
	var scheme corev1.URIScheme // HTTP, left to the API server's default so existing pods do not change
	if d.Spec.ControlPlane.TLSEnabled() {
		scheme = corev1.URISchemeHTTPS
	}
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port), Scheme: scheme}}
}
