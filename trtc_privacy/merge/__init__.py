"""From lockfiles and vendor manifests to the app's manifest: gather, plan, write."""
