package api

import "os"

// APIKeyEnv is the one place the product takes the apikey from: never a
// flag (shell history), never printed, never written to a file.
const APIKeyEnv = "LOYALCHECK_APIKEY"

// SandboxAPIKey is the key the sandbox accepts, and the harness sends to
// the embedded sandbox, when LOYALCHECK_APIKEY is unset. It guards nothing
// but a developer's loopback port.
const SandboxAPIKey = "sandbox-local-key"

// APIKeyFromEnv returns the key in LOYALCHECK_APIKEY and whether it is set
// to a non-empty value.
func APIKeyFromEnv() (string, bool) {
	k := os.Getenv(APIKeyEnv)
	return k, k != ""
}

// SandboxKeyFromEnv returns LOYALCHECK_APIKEY, or SandboxAPIKey when unset.
func SandboxKeyFromEnv() string {
	if k, ok := APIKeyFromEnv(); ok {
		return k
	}
	return SandboxAPIKey
}
