"""Drop-in alert integrations (PagerDuty Events v2, Alertmanager, Opsgenie) and heartbeat checks."""
