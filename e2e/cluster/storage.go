package cluster

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StorageClassName is the cluster's default StorageClass.
const StorageClassName = "standard"

// kwokProvisioner is the provisioner name kwok's volume stages write on the PVs they create.
const kwokProvisioner = "kwok.x-k8s.io/volume"

// kwokStageClass is the StorageClass name kwok's shipped volume stages select on.
const kwokStageClass = "'kwok-volume'"

// createStorageClass creates the default class. No CSI driver can run here; kwok's volume stages
// play its part: for every claim of this class that has no volume, kwok creates a PV (hostPath,
// never mounted because no kubelet runs) and binds claim and volume, the same for a claim made
// directly or through a StatefulSet template. Binding is Immediate because that is what kwok does.
func (c *Cluster) createStorageClass(ctx context.Context) error {
	expand := true
	reclaim := corev1.PersistentVolumeReclaimDelete
	binding := storagev1.VolumeBindingImmediate
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        StorageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:          kwokProvisioner,
		ReclaimPolicy:        &reclaim,
		VolumeBindingMode:    &binding,
		AllowVolumeExpansion: &expand,
	}
	got, err := c.Clientset.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		got, err = c.Clientset.StorageV1().StorageClasses().Get(ctx, StorageClassName, metav1.GetOptions{})
	}
	if err != nil {
		return fmt.Errorf("create StorageClass %s: %w", StorageClassName, err)
	}
	c.AllowVolumeExpansion = got.AllowVolumeExpansion != nil && *got.AllowVolumeExpansion
	return nil
}

var (
	docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)
	stageKind    = regexp.MustCompile(`(?m)^kind:[ \t]*Stage[ \t]*$`)
)

// writeKwokStages copies the stages hack/tools.sh assembled into dst, keeping only Stage documents
// (the volume folder also holds a Kustomization and kwok's own StorageClass) and pointing the
// volume stages at StorageClassName instead of kwok's "kwok-volume".
func writeKwokStages(src, dst string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	var docs []string
	retargeted := 0
	for _, doc := range docSeparator.Split(string(data), -1) {
		if !stageKind.MatchString(doc) {
			continue
		}
		retargeted += strings.Count(doc, kwokStageClass)
		doc = strings.ReplaceAll(doc, kwokStageClass, "'"+StorageClassName+"'")
		docs = append(docs, strings.Trim(doc, "\n"))
	}
	// Fail loudly if a kwok upgrade changed how stages pick volumes: claims would hang Pending.
	if retargeted == 0 {
		return "", fmt.Errorf("%s: no volume stage selects storageClassName %s; update storage.go", src, kwokStageClass)
	}
	out := "---\n" + strings.Join(docs, "\n---\n") + "\n"
	if err := os.WriteFile(dst, []byte(out), 0o644); err != nil {
		return "", err
	}
	return dst, nil
}
