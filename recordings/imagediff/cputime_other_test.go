//go:build !unix

package imagediff

import "time"

// cpuTime is not measured here: the benchmarks report no MP/cpu-s.
func cpuTime() (time.Duration, bool) { return 0, false }
