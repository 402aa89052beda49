package journeys

import (
	"fmt"

	"journeyproof"
)

// Device returns the named device profile: the journey's own override (on
// top of the built-in one of the same name), or the built-in one.
func (j *Journey) Device(name string) (journeyproof.Device, error) {
	d, ok := journeyproof.BuiltinDevices()[name]
	if o, has := j.Devices[name]; has {
		if !ok {
			d = journeyproof.Device{Scale: 1}
		}
		if o.Width > 0 {
			d.Width = o.Width
		}
		if o.Height > 0 {
			d.Height = o.Height
		}
		if o.Scale > 0 {
			d.Scale = o.Scale
		}
		if o.UserAgent != "" {
			d.UserAgent = o.UserAgent
		}
		d.Mobile = d.Mobile || o.Mobile
		d.Touch = d.Touch || o.Touch
		ok = true
	}
	if !ok {
		//lint:ignore ST1005 the message ends with the YAML key "devices:" to look under
		return journeyproof.Device{}, fmt.Errorf("unknown device %q; expected desktop, mobile or a device defined under devices:", name)
	}
	d.Name = name
	if d.Width <= 0 || d.Height <= 0 {
		return journeyproof.Device{}, fmt.Errorf("device %q needs a width and a height", name)
	}
	if d.Scale <= 0 {
		d.Scale = 1
	}
	return d, nil
}

// TimeZone is the time zone of every cell.
const TimeZone = "Asia/Hong_Kong"
