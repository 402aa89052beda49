//go:build unix

package imagediff

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, user and system, for the
// benchmarks' MP/cpu-s figure, which a busy machine disturbs less than the
// wall clock.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
