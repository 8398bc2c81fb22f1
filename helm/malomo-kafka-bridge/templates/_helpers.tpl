{{- define "malomo.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "malomo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "malomo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "malomo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "malomo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "malomo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "malomo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "malomo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "malomo.webhookSecretName" -}}
{{- default (printf "%s-webhook-secrets" (include "malomo.fullname" .)) .Values.webhook.existingSecret -}}
{{- end -}}

{{/* Seconds a pod needs to stop cleanly: preStop, the slowest request (body read + ack), the flush. */}}
{{- define "malomo.minimumGracePeriod" -}}
{{- $request := div (add .Values.webhook.readTimeoutMs .Values.webhook.ackTimeoutMs) 1000 -}}
{{- $flush := div .Values.webhook.ackTimeoutMs 1000 -}}
{{- add .Values.preStopSleepSeconds $request $flush 2 -}}
{{- end -}}

{{/* Whether a librdkafka property name looks like it carries a secret (*password*, *secret*, *.key*): such values go into a Secret, never the ConfigMap. */}}
{{- define "malomo.isSecretProperty" -}}
{{- $name := lower . -}}
{{- if or (contains "password" $name) (contains "secret" $name) (contains ".key" $name) -}}true{{- end -}}
{{- end -}}

{{- define "malomo.kafkaPropertyVariable" -}}
KAFKA_PROPERTY_{{ . | replace "_" "__" | replace "." "_" | upper }}
{{- end -}}
