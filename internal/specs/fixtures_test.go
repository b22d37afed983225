package specs

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// defaulted is a DittoFS as the API server stores it after applying the CRD defaults to an
// almost empty spec.
func defaulted() *v1alpha1.DittoFS {
	return &v1alpha1.DittoFS{
		ObjectMeta: metav1.ObjectMeta{Name: "media", Namespace: "storage"},
		Spec: v1alpha1.DittoFSSpec{
			Image:           v1alpha1.DefaultImage,
			ImagePullPolicy: corev1.PullIfNotPresent,
			Storage: v1alpha1.StorageSpec{
				ControlPlane:   v1alpha1.VolumeSpec{Size: resource.MustParse("1Gi")},
				Metadata:       v1alpha1.VolumeSpec{Size: resource.MustParse("10Gi")},
				Payload:        v1alpha1.VolumeSpec{Size: resource.MustParse("10Gi")},
				DeletionPolicy: v1alpha1.DeletionPolicyRetain,
			},
			Database: v1alpha1.DatabaseSpec{Type: v1alpha1.DatabaseSQLite, ReadyTimeout: &metav1.Duration{}},
			Adapters: v1alpha1.AdaptersSpec{
				NFS: v1alpha1.NFSAdapterSpec{Enabled: ptr.To(true), Port: 2049},
				SMB: v1alpha1.SMBAdapterSpec{Port: 445},
			},
			Service: v1alpha1.ServiceSpec{Type: "ClusterIP"},
			Metrics: v1alpha1.MetricsSpec{Port: 9090},
			Logging: v1alpha1.LoggingSpec{Level: "INFO"},
		},
	}
}

// everything turns on every option the builders read.
func everything() *v1alpha1.DittoFS {
	d := defaulted()
	d.Spec.Storage.StorageClassName = ptr.To("fast")
	d.Spec.Adapters.SMB.Enabled = true
	d.Spec.Metrics.Enabled = true
	d.Spec.Logging.Level = "DEBUG"
	d.Spec.Service = v1alpha1.ServiceSpec{Type: "NodePort", Annotations: map[string]string{"lb.example/internal": "true"}}
	d.Spec.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")},
	}
	d.Spec.Scheduling = v1alpha1.SchedulingSpec{
		NodeSelector: map[string]string{"storage": "true"},
		Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "storage", Effect: corev1.TaintEffectNoSchedule}},
	}
	d.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
	d.Spec.Database = v1alpha1.DatabaseSpec{Type: v1alpha1.DatabasePostgres}
	d.Spec.ControlPlane.TLS = &v1alpha1.ControlPlaneTLSSpec{MinVersion: "1.3", CertManager: &v1alpha1.CertManagerTLSSpec{
		IssuerRef: v1alpha1.IssuerReference{Name: "internal-ca", Kind: "ClusterIssuer", Group: "cert-manager.io"}}}
	d.Spec.Network = v1alpha1.NetworkSpec{
		DataPlaneFrom: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.20.0.0/16"}}},
		MetricsFrom: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}},
	}
	return d
}
