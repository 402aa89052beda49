package journeyproof

// Box is a rectangle in CSS pixels: an element's border box in document
// coordinates (the top left corner of the page is 0,0 whatever the scroll
// position), or a mask's box in the viewport.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Area is the box's width times its height.
func (b Box) Area() float64 { return b.W * b.H }

// Center is the centre point of the box.
func (b Box) Center() (x, y float64) { return b.X + b.W/2, b.Y + b.H/2 }

// Contains reports whether o lies inside b.
func (b Box) Contains(o Box) bool {
	return o.X >= b.X && o.Y >= b.Y && o.X+o.W <= b.X+b.W && o.Y+o.H <= b.Y+b.H
}

// Point is where a click or tap landed, in CSS pixels of the viewport.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Finding is one rule broken on one element of one step. The verifier
// reports it, the runner waives it and the store keeps it (as a
// recordings.Finding row).
//
// The gorm tags say how the store keeps it (recordings.FindingRow embeds
// it: the box in x, y, w, h columns, the crop by hash elsewhere); this
// package imports nothing for them.
type Finding struct {
	Rule     string `json:"rule" gorm:"index"`
	Severity string `json:"severity"`            // error or warning
	Message  string `json:"message"`             // what was expected and what was found
	Selector string `json:"selector"`            // the element; "" for the page or the request
	Box      Box    `json:"box" gorm:"embedded"` // the element's box, CSS px, document coordinates
	Waived   bool   `json:"waived"`
	// WaiverReason is the reason the journey gives for waiving the rule.
	WaiverReason string `json:"waiverReason,omitempty"`
	// Crop is a PNG of the screenshot around the element, box drawn.
	Crop []byte `json:"-" gorm:"-"`
}

// Entry is an iAM Smart entry (button or link) seen on a step's screen.
type Entry struct {
	Selector string `json:"selector"`
	Text     string `json:"text"`
	Box      Box    `json:"box"`
}
