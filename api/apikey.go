package api

// APIKeyEnv is the one place the product takes the apikey from: never a
// flag (shell history), never printed, never written to a file.
const APIKeyEnv = "LOYALCHECK_APIKEY"

// SandboxAPIKey is the key the sandbox accepts, and the harness sends to
// the embedded sandbox, when LOYALCHECK_APIKEY is unset. It guards nothing
// but a developer's loopback port.
const SandboxAPIKey = "sandbox-local-key"
