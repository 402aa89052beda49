package journeys

import (
	"fmt"
	"sort"
)

// Device is a browser profile a cell runs on.
type Device struct {
	Name      string  `json:"name" yaml:"-"`
	Width     int64   `json:"width" yaml:"width"`
	Height    int64   `json:"height" yaml:"height"`
	Scale     float64 `json:"scale" yaml:"scale"`
	Mobile    bool    `json:"mobile" yaml:"mobile"`
	Touch     bool    `json:"touch" yaml:"touch"`
	UserAgent string  `json:"userAgent,omitempty" yaml:"userAgent"`
}

// The user agents of the built-in devices. The desktop one is left empty so
// that Chromium sends its own (with "Headless" removed by the runner).
const mobileUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

// BuiltinDevices returns the built-in device profiles: desktop (1366x768)
// and mobile (390x844, touch, mobile user agent, device scale factor 3).
func BuiltinDevices() map[string]Device {
	return map[string]Device{
		"desktop": {Name: "desktop", Width: 1366, Height: 768, Scale: 1},
		"mobile":  {Name: "mobile", Width: 390, Height: 844, Scale: 3, Mobile: true, Touch: true, UserAgent: mobileUserAgent},
	}
}

// Device returns the named device profile: the journey's own override (on
// top of the built-in one of the same name), or the built-in one.
func (j *Journey) Device(name string) (Device, error) {
	d, ok := BuiltinDevices()[name]
	if o, has := j.Devices[name]; has {
		if !ok {
			d = Device{Scale: 1}
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
		return Device{}, fmt.Errorf("unknown device %q; expected desktop, mobile or a device defined under devices:", name)
	}
	d.Name = name
	if d.Width <= 0 || d.Height <= 0 {
		return Device{}, fmt.Errorf("device %q needs a width and a height", name)
	}
	if d.Scale <= 0 {
		d.Scale = 1
	}
	return d, nil
}

// Language is a language a journey runs in.
type Language struct {
	// Code is the journey's code: en, zh-HK or zh-CN.
	Code string
	// AcceptLanguage is what the browser sends.
	AcceptLanguage string
	// Locale is the ICU locale of navigator.language and Intl.
	Locale string
	// Label is the language's own name.
	Label string
}

// TimeZone is the time zone of every cell.
const TimeZone = "Asia/Hong_Kong"

var languages = map[string]Language{
	"en":    {Code: "en", AcceptLanguage: "en-HK,en", Locale: "en-HK", Label: "English"},
	"zh-HK": {Code: "zh-HK", AcceptLanguage: "zh-HK,zh", Locale: "zh-HK", Label: "繁體中文"},
	"zh-CN": {Code: "zh-CN", AcceptLanguage: "zh-CN,zh", Locale: "zh-CN", Label: "简体中文"},
}

// LookupLanguage returns the language with the code.
func LookupLanguage(code string) (Language, bool) {
	l, ok := languages[code]
	return l, ok
}

// IsLanguage reports whether code is a supported language.
func IsLanguage(code string) bool { _, ok := languages[code]; return ok }

// Languages returns the supported language codes in a stable order.
func Languages() []string {
	out := make([]string, 0, len(languages))
	for k := range languages {
		out = append(out, k)
	}
	sort.Slice(out, func(i, k int) bool { return langOrder(out[i]) < langOrder(out[k]) })
	return out
}

func langOrder(c string) int {
	switch c {
	case "en":
		return 0
	case "zh-HK":
		return 1
	case "zh-CN":
		return 2
	}
	return 3
}
