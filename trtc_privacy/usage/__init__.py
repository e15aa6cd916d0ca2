"""What code really uses: sources, Mach-O binaries and built artifacts, compared with the manifests."""
