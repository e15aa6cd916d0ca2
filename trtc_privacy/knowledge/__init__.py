"""What the tool knows, as data: Apple's vocabulary, the API catalogue, the listed SDKs, the vendors."""
