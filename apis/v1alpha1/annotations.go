package v1alpha1

// AnnotationRecreateEmptyClaims on a DittoFS names, comma-separated, PersistentVolumeClaims of
// that DittoFS that the operator may create anew, empty, although a server may already have
// stored data on them. Without it, a claim that goes missing (or is being deleted) after a server
// has started is reported as StorageReady=False, reason VolumeLost, and nothing is created: an
// empty volume in its place would let the server come back with every file gone. The operator
// removes a name once the claim of that name exists again, so each statement covers one loss.
const AnnotationRecreateEmptyClaims = "dittofs.io/recreate-empty-claims"
