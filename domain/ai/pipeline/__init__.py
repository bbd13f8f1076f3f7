"""The AI incident pipeline: RCA -> runbook draft -> remediation plan -> verification (each step persisted)."""
