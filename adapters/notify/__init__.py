"""Notifications the way Argo Rollouts sends them: triggers named after Kubernetes event
reasons, Go templates, and Slack, PagerDuty, Teams and webhook services.

`adapters.workers.notifier.NotifierWorker` runs it; this package holds the parts: configuration
(`config`), the template language (`gotemplate`), template variables (`context`,
`rollout_json`), planning (`planner`), services (`services`) and delivery (`delivery`,
`stores`).
"""
