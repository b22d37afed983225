package phases

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/dittofs/dittofs-operator/apis/v1alpha1"
	"github.com/dittofs/dittofs-operator/internal/kube"
	"github.com/dittofs/dittofs-operator/internal/specs"
)

// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// Serving runs the server (one-replica StatefulSet), its API and data-plane Services, and is done
// when the pod is ready on the current configuration. It reports the endpoints in status.
type Serving struct{}

func (Serving) Condition() string { return v1alpha1.ConditionServing }
func (Serving) Event() string     { return EventServe }

func (Serving) Reconcile(ctx context.Context, s *Scope) (Outcome, error) {
	d := s.DittoFS
	sts := specs.StatefulSet(d, specs.PodInputs{ConfigHash: s.ConfigHash, DatabaseEnv: s.DatabaseEnv, DefaultImage: s.DefaultImage})
	apiSvc := specs.APIService(d)
	dataSvc := specs.DataService(d)
	for _, obj := range []client.Object{sts, apiSvc, dataSvc} {
		if err := controllerutil.SetControllerReference(d, obj, s.Scheme); err != nil {
			return Outcome{}, err
		}
	}
	if _, err := kube.Ensure(ctx, s.Client, apiSvc, kube.PreserveServiceAllocations); err != nil {
		return Outcome{}, err
	}
	if _, err := kube.Ensure(ctx, s.Client, dataSvc, kube.PreserveServiceAllocations); err != nil {
		return Outcome{}, err
	}
	if _, err := kube.Ensure(ctx, s.Client, sts, nil); err != nil {
		return Outcome{}, err
	}

	d.Status.Endpoints.API = fmt.Sprintf("%s.%s.svc:%d", apiSvc.Name, d.Namespace, specs.APIPort)
	requeue, err := reportDataEndpoints(ctx, s, dataSvc)
	if err != nil {
		return Outcome{}, err
	}

	live := &appsv1.StatefulSet{}
	if err := s.Client.Get(ctx, client.ObjectKeyFromObject(sts), live); err != nil {
		return Outcome{}, fmt.Errorf("get StatefulSet %s: %w", sts.Name, err)
	}
	out := statefulSetReadiness(live)
	out.RequeueAfter = requeue
	return out, nil
}

// statefulSetReadiness is done when the one pod runs the current template and is ready.
func statefulSetReadiness(sts *appsv1.StatefulSet) Outcome {
	st := sts.Status
	switch {
	case st.ReadyReplicas < 1:
		return Waiting("PodNotReady", fmt.Sprintf("Waiting for pod %s-0 to become ready (its data-plane port must accept connections).", sts.Name))
	case st.ObservedGeneration < sts.Generation:
		return Waiting("RollingOut", fmt.Sprintf("StatefulSet %s has not yet seen its latest spec.", sts.Name))
	case st.UpdateRevision != "" && st.CurrentRevision != st.UpdateRevision:
		return Waiting("RollingOut", fmt.Sprintf("StatefulSet %s is replacing the server pod with the new configuration.", sts.Name))
	}
	return Done("ServerReady", fmt.Sprintf("Pod %s-0 is ready.", sts.Name))
}
