package chart

// Step colours: the Okabe-Ito palette, safe for colour-blind readers;
// red and green are kept for pass and fail.
var stepColors = map[string]string{
	"search":  "#0072B2",
	"recalc":  "#E69F00",
	"hold":    "#CC79A7",
	"release": "#56B4E9",
	"retail":  "#009E73",
	"session": "#444444",
}

var spareColors = []string{"#D55E00", "#8C6D31", "#7F7F7F", "#17BECF"}

// StepColor is the colour of a step of a session, by name; a step not in
// the palette takes the i-th spare colour.
func StepColor(name string, i int) string {
	if c, ok := stepColors[name]; ok {
		return c
	}
	return spareColors[i%len(spareColors)]
}
