{{/* Name of the chart, for the app.kubernetes.io/name label. */}}
{{- define "dittofs-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name, plus the chart name unless the release name has it. */}}
{{- define "dittofs-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels every object of the release carries. */}}
{{- define "dittofs-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "dittofs-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the manager pods; never change them, a Deployment's selector is immutable. */}}
{{- define "dittofs-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dittofs-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The manager's ServiceAccount. */}}
{{- define "dittofs-operator.serviceAccountName" -}}
{{- default (include "dittofs-operator.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The manager image: by digest when one is set, else by tag. */}}
{{- define "dittofs-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end }}
{{- end }}

{{/* "true" when the manager elects a leader: asked for, or needed because of more than one replica. */}}
{{- define "dittofs-operator.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ end }}
{{- end }}

{{/* The operator's RBAC rules, generated from deploy/rbac/role.yaml (see files/rbac-rules.yaml). */}}
{{- define "dittofs-operator.rules" -}}
{{- .Files.Get "files/rbac-rules.yaml" | fromYaml | toJson }}
{{- end }}

{{/* The subject every binding grants to: the manager's ServiceAccount. */}}
{{- define "dittofs-operator.subject" -}}
- kind: ServiceAccount
  name: {{ include "dittofs-operator.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}
