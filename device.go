package journeyproof

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

// The names of the built-in devices.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
)

// MobileUserAgent is the user agent of the built-in mobile device. The
// desktop one is left empty so that Chromium sends its own (with
// "Headless" removed by the runner).
const MobileUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

// BuiltinDevices returns the built-in device profiles: desktop (1366x768)
// and mobile (390x844, touch, mobile user agent, device scale factor 3).
func BuiltinDevices() map[string]Device {
	return map[string]Device{
		DeviceDesktop: {Name: DeviceDesktop, Width: 1366, Height: 768, Scale: 1},
		DeviceMobile:  {Name: DeviceMobile, Width: 390, Height: 844, Scale: 3, Mobile: true, Touch: true, UserAgent: MobileUserAgent},
	}
}

// DeviceOrder is the place of a device name in display order: desktop,
// mobile, then every device a journey defines (callers order those among
// themselves by name).
func DeviceOrder(name string) int {
	switch name {
	case DeviceDesktop:
		return 0
	case DeviceMobile:
		return 1
	}
	return 2
}
