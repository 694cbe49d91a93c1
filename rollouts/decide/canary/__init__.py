"""The canary strategy's reconcile pass and the rules it runs, one file per concern."""
