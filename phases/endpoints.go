package phases

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// defaultLoadBalancerTimeout applies when the spec leaves the timeout empty.
const defaultLoadBalancerTimeout = 2 * time.Minute

// reportDataEndpoints fills status.endpoints for NFS and SMB from the live data-plane Service and
// sets LoadBalancerReady. With no load-balancer address after the configured timeout it reports
// the node port instead. It returns when to look again, since a clock cannot be watched.
func reportDataEndpoints(ctx context.Context, s *Scope, svc *corev1.Service) (time.Duration, error) {
	d := s.DittoFS
	host, requeue, err := dataHost(ctx, s, svc)
	if err != nil {
		return 0, err
	}
	d.Status.Endpoints.NFS, d.Status.Endpoints.SMB, d.Status.Endpoints.Mount = "", "", ""
	if host == "" {
		return requeue, nil
	}
	for _, p := range svc.Spec.Ports {
		port := p.Port
		if svc.Spec.Type == corev1.ServiceTypeNodePort || (svc.Spec.Type == corev1.ServiceTypeLoadBalancer && len(svc.Status.LoadBalancer.Ingress) == 0) {
			port = p.NodePort
		}
		addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
		switch p.Name {
		case specs.NFSPortName:
			d.Status.Endpoints.NFS = addr
			d.Status.Endpoints.Mount = MountCommand(d, host, port)
		case specs.SMBPortName:
			d.Status.Endpoints.SMB = addr
		}
	}
	return requeue, nil
}

// dataHost is the address clients use: the load balancer's, the node's (NodePort, or a load
// balancer that never came), or the Service's DNS name (ClusterIP).
func dataHost(ctx context.Context, s *Scope, svc *corev1.Service) (string, time.Duration, error) {
	d := s.DittoFS
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP:
		RemoveCondition(d, v1alpha1.ConditionLoadBalancerReady)
		return fmt.Sprintf("%s.%s.svc", svc.Name, svc.Namespace), 0, nil
	case corev1.ServiceTypeNodePort:
		RemoveCondition(d, v1alpha1.ConditionLoadBalancerReady)
		ip, err := nodeIP(ctx, s)
		return ip, 0, err
	}
	if ing := svc.Status.LoadBalancer.Ingress; len(ing) > 0 {
		SetCondition(d, v1alpha1.ConditionLoadBalancerReady, metav1.ConditionTrue, v1alpha1.ReasonAddressAssigned, "The load balancer has an address.")
		if ing[0].IP != "" {
			return ing[0].IP, 0, nil
		}
		return ing[0].Hostname, 0, nil
	}
	timeout := defaultLoadBalancerTimeout
	if t := d.Spec.Service.LoadBalancerTimeout; t != nil {
		timeout = t.Duration
	}
	deadline := svc.CreationTimestamp.Add(timeout)
	if wait := deadline.Sub(s.Now()); wait > 0 {
		SetCondition(d, v1alpha1.ConditionLoadBalancerReady, metav1.ConditionFalse, v1alpha1.ReasonWaitingForLoadBalancer, fmt.Sprintf(
			"No load-balancer address yet for Service %s; the node port will be reported from %s.", svc.Name, deadline.UTC().Format(time.RFC3339)))
		return "", wait, nil
	}
	SetCondition(d, v1alpha1.ConditionLoadBalancerReady, metav1.ConditionFalse, v1alpha1.ReasonNodePortFallback, fmt.Sprintf(
		"No load-balancer address arrived for Service %s within %s; clients can use the node port. Install a load-balancer controller or set spec.service.type.",
		svc.Name, timeout))
	ip, err := nodeIP(ctx, s)
	return ip, 0, err
}

// nodeIP is the address of the node running the server pod, or "" before it is scheduled.
func nodeIP(ctx context.Context, s *Scope) (string, error) {
	pod := &corev1.Pod{}
	key := client.ObjectKey{Namespace: s.DittoFS.Namespace, Name: specs.PodName(s.DittoFS)}
	if err := s.Client.Get(ctx, key, pod); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("get Pod %s: %w", key.Name, err)
	}
	return pod.Status.HostIP, nil
}

// MountCommand is a ready-to-paste NFSv3 mount of the first share the Shares sub-phase reported
// Ready (so it names a real export), "" when there is none. DittoFS serves MOUNT on the NFS port
// itself, so both ports are the same.
func MountCommand(d *v1alpha1.DittoFS, host string, port int32) string {
	share := firstReadyShare(d)
	if share == "" {
		return ""
	}
	return fmt.Sprintf("mount -t nfs -o nfsvers=3,tcp,port=%d,mountport=%d,nolock %s:%s /mnt%s", port, port, host, share, share)
}

// firstReadyShare is the first share of the spec reported Ready in status, "" when none is.
func firstReadyShare(d *v1alpha1.DittoFS) string {
	ready := map[string]bool{}
	for _, st := range d.Status.Shares {
		if st.State == v1alpha1.ShareStateReady {
			ready[st.Name] = true
		}
	}
	for _, s := range d.Spec.Shares {
		if ready[s.Name] {
			return s.Name
		}
	}
	return ""
}
