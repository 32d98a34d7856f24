{{/* The chart's name, and the name of everything it makes. */}}
{{- define "hubwire.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hubwire.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hubwire.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "hubwire.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "hubwire.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hubwire.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hubwire.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hubwire.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "hubwire.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding webhook-token and nats-password. */}}
{{- define "hubwire.authSecret" -}}
{{- default (include "hubwire.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{/* The Secret holding config.yaml, or nothing when there is no config file. */}}
{{- define "hubwire.configSecret" -}}
{{- if .Values.existingConfigSecret }}
{{- .Values.existingConfigSecret }}
{{- else if or .Values.config .Values.sources }}
{{- printf "%s-config" (include "hubwire.fullname" .) }}
{{- end }}
{{- end }}

{{/* The NATS chart's Service, named as that chart names it (nats.fullname). */}}
{{- define "hubwire.natsChartService" -}}
{{- $name := default "nats" .Values.nats.nameOverride }}
{{- if .Values.nats.fullnameOverride }}
{{- .Values.nats.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The external brokers' URLs. */}}
{{- define "hubwire.broker" -}}
{{- if .Values.external.broker }}
{{- .Values.external.broker }}
{{- else if .Values.nats.enabled }}
{{- printf "nats://%s:4222" (include "hubwire.natsChartService" .) }}
{{- end }}
{{- end }}

{{/* The Secret of the external broker's credentials, if any. */}}
{{- define "hubwire.credentialsSecret" -}}
{{- if .Values.external.credentialsSecret }}
{{- .Values.external.credentialsSecret }}
{{- else if .Values.nats.enabled }}
{{- .Values.natsAuth.secretName }}
{{- end }}
{{- end }}

{{/* Whether the pods run as a Deployment: mode external with a spool that may be lost, or none. */}}
{{- define "hubwire.deployment" -}}
{{- if and (eq .Values.mode "external") (or .Values.external.spool.emptyDir (eq (int64 .Values.external.spool.maxBytes) 0)) }}true{{ end }}
{{- end }}

{{- define "hubwire.replicas" -}}
{{- if eq .Values.mode "embedded" }}1{{ else }}{{ int .Values.replicas }}{{ end }}
{{- end }}

{{- define "hubwire.publicURL" -}}
{{- if .Values.publicURL }}
{{- .Values.publicURL }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "https://%s" (first .Values.ingress.hosts) }}
{{- else if and .Values.httpRoute.enabled .Values.httpRoute.hostnames }}
{{- printf "https://%s" (first .Values.httpRoute.hostnames) }}
{{- else }}
{{- printf "http://%s.%s.svc:%d" (include "hubwire.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}
{{- end }}

{{/* Seconds a stop may take: preStop, the deliveries, a callback attempt, and a margin. */}}
{{- define "hubwire.terminationGracePeriodSeconds" -}}
{{- with .Values.shutdown }}
{{- add (int .preStopSleepSeconds) (int .shutdownTimeoutSeconds) (int .callbackTimeoutSeconds) 5 }}
{{- end }}
{{- end }}

{{/* A secret value: the one given, else the one already in the cluster, else a new one. */}}
{{- define "hubwire.secretValue" -}}
{{- $given := index . 0 }}{{ $secret := index . 1 }}{{ $key := index . 2 }}
{{- if $given }}
{{- $given | b64enc }}
{{- else if and $secret (hasKey $secret.data $key) }}
{{- index $secret.data $key }}
{{- else }}
{{- randAlphaNum 48 | b64enc }}
{{- end }}
{{- end }}

{{/* Refuse values that cannot work, each with what to do instead. */}}
{{- define "hubwire.validate" -}}
{{- if not (has .Values.mode (list "embedded" "external")) }}
{{- fail (printf "mode %q: want embedded or external" .Values.mode) }}
{{- end }}
{{- if and (eq .Values.mode "embedded") .Values.nats.enabled }}
{{- fail "nats.enabled installs a NATS cluster for mode external; mode embedded runs its own NATS server" }}
{{- end }}
{{- if and (eq .Values.mode "embedded") .Values.autoscaling.enabled }}
{{- fail "autoscaling is for mode external: mode embedded is one pod (one JetStream store)" }}
{{- end }}
{{- if and (eq .Values.mode "external") (not (include "hubwire.broker" .)) }}
{{- fail "mode external needs external.broker (nats://… or kafka://…) or nats.enabled" }}
{{- end }}
{{- range $key := list "http-addr" "data-dir" "nats-addr" "broker" "public-url" "token" "spool-max-bytes" "shutdown-timeout" "callback-timeout" "config" "stream-replicas" }}
{{- if hasKey (default dict $.Values.config) $key }}
{{- fail (printf "config.%s is set by the chart; use the value that names it (values.yaml)" $key) }}
{{- end }}
{{- end }}
{{- if and .Values.auth.webhookToken (not (regexMatch "^[A-Za-z0-9._~-]{16,}$" .Values.auth.webhookToken)) }}
{{- fail "auth.webhookToken: 16 or more letters, digits, - . _ ~" }}
{{- end }}
{{- end }}
