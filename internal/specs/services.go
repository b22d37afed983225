package specs

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
)

// APIService reaches the REST API (and metrics) inside the cluster only. It publishes the pod
// before it is ready: readiness checks the data plane, and the operator must reach the API of a
// server that is not ready yet to configure what makes it ready (its adapters).
func APIService(d *v1alpha1.DittoFS) *corev1.Service {
	ports := []corev1.ServicePort{servicePort(APIPortName, APIPort, APIPortName)}
	if d.Spec.Metrics.Enabled {
		ports = append(ports, servicePort(MetricsPortName, d.Spec.Metrics.Port, MetricsPortName))
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: APIServiceName(d), Namespace: d.Namespace, Labels: Labels(d)},
		Spec: corev1.ServiceSpec{
			Type:                     corev1.ServiceTypeClusterIP,
			Selector:                 SelectorLabels(d),
			Ports:                    ports,
			PublishNotReadyAddresses: true,
		},
	}
}

// DataService exposes the file protocols to clients on the user's ports.
func DataService(d *v1alpha1.DittoFS) *corev1.Service {
	var ports []corev1.ServicePort
	if d.Spec.Adapters.NFS.IsEnabled() {
		ports = append(ports, servicePort(NFSPortName, d.Spec.Adapters.NFS.Port, NFSPortName))
	}
	if d.Spec.Adapters.SMB.Enabled {
		ports = append(ports, servicePort(SMBPortName, d.Spec.Adapters.SMB.Port, SMBPortName))
	}
	svcType := corev1.ServiceType(d.Spec.Service.Type)
	if svcType == "" {
		svcType = corev1.ServiceTypeClusterIP
	}
	var sourceRanges []string
	if svcType == corev1.ServiceTypeLoadBalancer {
		sourceRanges = d.Spec.Service.LoadBalancerSourceRanges
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name: DataServiceName(d), Namespace: d.Namespace, Labels: Labels(d),
			Annotations: d.Spec.Service.Annotations,
		},
		Spec: corev1.ServiceSpec{
			Type:                     svcType,
			Selector:                 SelectorLabels(d),
			Ports:                    ports,
			LoadBalancerSourceRanges: sourceRanges,
		},
	}
}

func servicePort(name string, port int32, targetPortName string) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromString(targetPortName), Protocol: corev1.ProtocolTCP}
}
