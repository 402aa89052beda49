// Package owner names the process that owns something left on disk or in
// the store (a run marked running, a frames folder, a Chromium profile):
// its host, its pid and when it started, so that another process can tell
// whether the owner is still alive or the thing was left by a crash. A pid
// alone is not enough: pids are reused, so the start time tells a new
// process with the same pid from the owner.
package owner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Owner is one process.
type Owner struct {
	// Host is the machine's host name.
	Host string
	// PID is the process id.
	PID int
	// Start tells the process from a later one with the same pid: on Linux
	// the boot and the start time since boot, "" where it is not known.
	Start string
}

// Self returns the owner of the calling process.
func Self() Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return Owner{Host: host, PID: pid, Start: startID(pid)}
}

// String is host/pid/start, as messages show it.
func (o Owner) String() string { return fmt.Sprintf("%s/%d/%s", o.Host, o.PID, o.Start) }

// Local reports whether the owner runs on this machine (only a local
// owner's liveness can be checked).
func (o Owner) Local() bool {
	host, _ := os.Hostname()
	return o.Host != "" && o.Host == host
}

// Alive reports whether a local owner is still running: the pid exists and
// is the same process (same start). An owner on another host is reported
// alive; its liveness is known only from a heartbeat.
func (o Owner) Alive() bool {
	if !o.Local() {
		return true
	}
	return PIDAlive(o.PID, o.Start)
}

// PIDAlive reports whether the process pid exists and, when start is not
// empty, is the process that started then.
func PIDAlive(pid int, start string) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return start == "" || start == startID(pid)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if err := p.Signal(syscall.Signal(0)); err != nil && !strings.Contains(err.Error(), "not permitted") {
		return false
	}
	if zombie(pid) {
		return false
	}
	if start == "" {
		return true
	}
	now := startID(pid)
	return now == "" || now == start
}

// Tag is the owner's pid and start in a form fit for a file name:
// "pid.start" (letters, digits, dots only).
func (o Owner) Tag() string {
	return strconv.Itoa(o.PID) + "." + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, o.Start)
}

// FromTag reads a Tag back into a local owner.
func FromTag(tag string) (Owner, bool) {
	pidText, start, _ := strings.Cut(tag, ".")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return Owner{}, false
	}
	host, _ := os.Hostname()
	return Owner{Host: host, PID: pid, Start: start}, true
}

// startID is the boot id's first 8 characters and the start time of pid
// in clock ticks since boot (field 22 of /proc/PID/stat), "" without /proc.
func startID(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 { // fields 3.. ; the start time is field 22
		return ""
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.ReplaceAll(strings.TrimSpace(string(boot)), "-", "")
	if len(id) > 8 {
		id = id[:8]
	}
	return id + f[19]
}

// zombie reports whether pid has exited and waits to be reaped by its
// parent (Linux); such a process is not alive.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] == 'Z'
}

// Of returns the owner that a local process pid has now (its start read
// from /proc), for tests and tools that look at another process.
func Of(pid int) Owner {
	host, _ := os.Hostname()
	return Owner{Host: host, PID: pid, Start: startID(pid)}
}
