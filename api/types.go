package api

// Wire types of the loyalty "general integration" API, field for field as
// SPEC.md renders the vendor's page. Optional request fields are omitted
// when empty so a request carries exactly what the caller chose to send.

// SearchRequest is the body of POST /integration/general/client.
type SearchRequest struct {
	Search string   `json:"search"`
	Point  string   `json:"point"`
	Hold   []string `json:"hold,omitempty"`
}

// SearchResponse is the success answer of the client search.
type SearchResponse struct {
	Success bool     `json:"success"`
	Client  Customer `json:"client"`
}

// Customer is the wire's "client" object: a loyalty client as search
// returns it. Photo, Birthday and Email
// are pointers because a target may send null or leave them out (S6).
type Customer struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Photo    *string `json:"photo,omitempty"`
	Birthday *string `json:"birthday,omitempty"`
	Level    Level   `json:"level"`
	// Phone is a JSON integer on the wire (7920XXXXXXX). It decodes
	// into a float64 because JSON Schema counts 79201234567.0 and
	// 7.9201234567e10 as integers too: an answer the schema accepts must
	// decode.
	Phone   float64 `json:"phone"`
	Email   *string `json:"email,omitempty"`
	Balance float64 `json:"balance"`
}

// Level types.
const (
	TypeCashback = "cashback"
	TypeDiscount = "discount"
)

// Level is the client's loyalty level.
type Level struct {
	ID              string  `json:"id"`
	Title           string  `json:"title"`
	Percent         float64 `json:"percent"`
	Type            string  `json:"type"`
	MaxSpendPercent float64 `json:"maxSpendPercent"`
}

// RecalcRequest is the body of POST /integration/general/recalc.
type RecalcRequest struct {
	Client string   `json:"client"`
	Point  string   `json:"point"`
	Amount float64  `json:"amount"`
	Hold   []string `json:"hold,omitempty"`
}

// RecalcResponse is the success answer of recalc.
type RecalcResponse struct {
	Success bool         `json:"success"`
	Recalc  RecalcResult `json:"recalc"`
}

// RecalcResult previews an operation: Spend is the most the client may spend in
// it, Earn what it would accrue if it spent nothing.
type RecalcResult struct {
	Amount  float64 `json:"amount"`
	Percent float64 `json:"percent"`
	Type    string  `json:"type"`
	Spend   float64 `json:"spend"`
	Earn    float64 `json:"earn"`
}

// HoldRequest is the body of POST /integration/general/bonuses/hold.
// Duration is in minutes; nil leaves it to the server's default (10).
type HoldRequest struct {
	Client   string  `json:"client"`
	Point    string  `json:"point"`
	Amount   float64 `json:"amount"`
	Duration *int    `json:"duration,omitempty"`
}

// HoldResponse is the success answer of hold.
type HoldResponse struct {
	Success bool `json:"success"`
	Held    Held `json:"held"`
}

// Held describes an accepted hold; Until is in UNIX seconds, a float64
// for the reason Customer.Phone is.
type Held struct {
	ID     string  `json:"id"`
	Until  float64 `json:"until"`
	Amount float64 `json:"amount"`
}

// ReleaseRequest is the body of POST /integration/general/bonuses/release.
type ReleaseRequest struct {
	ID string `json:"id"`
}

// ReleaseResponse is the answer of release, a success even for unknown ids.
type ReleaseResponse struct {
	Success bool `json:"success"`
}

// RetailRequest is the body of POST /integration/general/retail. Spend 0
// means accrue instead of spending.
type RetailRequest struct {
	Client string   `json:"client"`
	Point  string   `json:"point"`
	Amount float64  `json:"amount"`
	Spend  float64  `json:"spend"`
	Hold   []string `json:"hold,omitempty"`
}

// RetailResponse is the success answer of retail.
type RetailResponse struct {
	Success bool         `json:"success"`
	Retail  RetailResult `json:"retail"`
}

// RetailResult is a created operation. A spend answer carries Spend, an accrue
// answer carries Earn (RT3); the other is nil when the target leaves it out.
type RetailResult struct {
	Amount  float64  `json:"amount"`
	Total   float64  `json:"total"`
	Percent float64  `json:"percent"`
	Type    string   `json:"type"`
	Spend   *float64 `json:"spend,omitempty"`
	Earn    *float64 `json:"earn,omitempty"`
}

// SpendValue returns Spend, or 0 when the answer has none.
func (r RetailResult) SpendValue() float64 {
	if r.Spend == nil {
		return 0
	}
	return *r.Spend
}

// EarnValue returns Earn, or 0 when the answer has none.
func (r RetailResult) EarnValue() float64 {
	if r.Earn == nil {
		return 0
	}
	return *r.Earn
}

// Error messages the vendor's page prints verbatim.
const (
	MsgClientNotFound = "Client not found."
	MsgPointNotFound  = "Point not found."
	// MsgSpendTooMuch is formatted with the allowed maximum.
	MsgSpendTooMuch = "Spend can't be more %s"
)
