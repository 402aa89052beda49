package browsertest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Process is one process of the machine, as /proc shows it, for the tests
// that look for Chromium's processes (to kill one, or to add up their
// processor time).
type Process struct {
	PID, Parent int
	// Line is the command line with its arguments separated by spaces and
	// a space before the first and after the last, so that " --flag "
	// finds a whole argument. (Chromium rewrites its children's command
	// lines as one string with spaces.)
	Line string
	// CPU is the processor time the process used, with that of its
	// children that ended (utime, stime, cutime and cstime).
	CPU time.Duration
}

// Processes lists the processes of the machine; those that end while it
// reads /proc are left out.
func Processes() ([]Process, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var ps []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name: state ppid ... utime(14) stime cutime cstime.
		i := strings.LastIndexByte(string(stat), ')')
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 15 {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		p := Process{PID: pid, Line: " " + string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})) + " "}
		p.Parent, _ = strconv.Atoi(f[1])
		var ticks int64
		for _, k := range []int{11, 12, 13, 14} {
			n, _ := strconv.ParseInt(f[k], 10, 64)
			ticks += n
		}
		p.CPU = time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
		ps = append(ps, p)
	}
	return ps, nil
}

// Renderers returns the pids of the renderer processes of the Chromium
// whose profile (user data folder) is profile.
func Renderers(profile string) ([]int, error) {
	ps, err := Processes()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, p := range ps {
		if strings.Contains(p.Line, " --type=renderer ") && strings.Contains(p.Line, " --user-data-dir="+profile+" ") {
			pids = append(pids, p.PID)
		}
	}
	return pids, nil
}
