package api

// Endpoint names one of the five operations of the loyalty API. The name is
// the harness's own short word for it (used in reports, scenario files and
// vegeta result files); Path is where the vendor serves it.
type Endpoint string

// The five endpoints, in the order the vendor's page says to call them (G1).
const (
	EpSearch  Endpoint = "search"
	EpRecalc  Endpoint = "recalc"
	EpHold    Endpoint = "hold"
	EpRelease Endpoint = "release"
	EpRetail  Endpoint = "retail"
)

// Endpoints returns the five endpoints in documented call order.
func Endpoints() []Endpoint { return []Endpoint{EpSearch, EpRecalc, EpHold, EpRelease, EpRetail} }

// Path returns the URL path of the endpoint, or "" for an unknown endpoint.
func (e Endpoint) Path() string {
	switch e {
	case EpSearch:
		return "/integration/general/client"
	case EpRecalc:
		return "/integration/general/recalc"
	case EpHold:
		return "/integration/general/bonuses/hold"
	case EpRelease:
		return "/integration/general/bonuses/release"
	case EpRetail:
		return "/integration/general/retail"
	}
	return ""
}

// Writes reports whether a call to e may change the target's state (a
// hold, its release, or a retail): what --read-only never sends.
func (e Endpoint) Writes() bool { return e == EpHold || e == EpRelease || e == EpRetail }

// Valid reports whether e is one of the five endpoints.
func (e Endpoint) Valid() bool { return e.Path() != "" }

// EndpointForPath is the inverse of Path.
func EndpointForPath(path string) (Endpoint, bool) {
	for _, e := range Endpoints() {
		if e.Path() == path {
			return e, true
		}
	}
	return "", false
}
