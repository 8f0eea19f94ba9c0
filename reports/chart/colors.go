package chart

import "loyalcheck/api"

// endpointColors colour the endpoints in api.Endpoints() order: the
// Okabe-Ito palette, safe for colour-blind readers; red and green are kept
// for pass and fail.
var endpointColors = []string{"#0072B2", "#E69F00", "#CC79A7", "#56B4E9", "#009E73"}

// sessionColor draws the whole session.
const sessionColor = "#444444"

var spareColors = []string{"#D55E00", "#8C6D31", "#7F7F7F", "#17BECF"}

// StepColor is the colour of a step of a session, by name ("session" for
// the whole one); a step that is no endpoint with a palette colour takes
// the i-th spare colour.
func StepColor(name string, i int) string {
	if name == "session" {
		return sessionColor
	}
	for j, e := range api.Endpoints() {
		if string(e) == name && j < len(endpointColors) {
			return endpointColors[j]
		}
	}
	return spareColors[i%len(spareColors)]
}
