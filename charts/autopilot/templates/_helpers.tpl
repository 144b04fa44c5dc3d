{{/* Names, labels and the operator's flags, shared by the templates. */}}

{{- define "autopilot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "autopilot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "autopilot.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "autopilot.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "autopilot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "autopilot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "autopilot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "autopilot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: autopilot
{{- end }}

{{- define "autopilot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "autopilot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "autopilot.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The namespace the operator watches, or "" for all: the operator takes one namespace or all of them. */}}
{{- define "autopilot.watchNamespace" -}}
{{- first .Values.watchNamespaces | default "" }}
{{- end }}

{{/* A flag's value as the operator reads it: whole numbers without an exponent (YAML numbers arrive as floats). */}}
{{- define "autopilot.flagValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/* `autopilot run`'s arguments: the operator's own flags, then each controller's (a key becomes --kebab-case). */}}
{{- define "autopilot.args" -}}
{{- $args := list "run" "--metrics-bind-address=:8080" "--health-probe-bind-address=:8081" "--leader-elect=true" }}
{{- $args = append $args (printf "--leader-election-id=%s" .Values.leaderElection.id) }}
{{- $args = append $args (printf "--lease-duration=%s" .Values.leaderElection.leaseDuration) }}
{{- $args = append $args (printf "--renew-deadline=%s" .Values.leaderElection.renewDeadline) }}
{{- $args = append $args (printf "--retry-period=%s" .Values.leaderElection.retryPeriod) }}
{{- $args = append $args (printf "--default-mode=%s" .Values.operator.defaultMode) }}
{{- $args = append $args (printf "--workers=%s" (include "autopilot.flagValue" .Values.operator.workers)) }}
{{- $args = append $args (printf "--log-level=%s" .Values.operator.logLevel) }}
{{- $args = append $args (printf "--shutdown-timeout=%s" .Values.operator.shutdownTimeout) }}
{{- with include "autopilot.watchNamespace" . }}
{{- $args = append $args (printf "--namespace=%s" .) }}
{{- end }}
{{- with .Values.operator.prometheusAddress }}
{{- $args = append $args (printf "--prometheus-address=%s" .) }}
{{- end }}
{{- range $controller, $flags := .Values.controllers }}
{{- range $key, $value := $flags }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{- $args = append $args (printf "--%s=%s" (kebabcase $key) (include "autopilot.flagValue" $value)) }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $args }}
{{- end }}
