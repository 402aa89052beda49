package owner

import (
	"os/exec"
	"testing"
	"time"
)

// A live process is alive; the same pid with another start is not (a pid
// reused by a later process); a killed and reaped process is not.
func TestAlive(t *testing.T) {
	me := Self()
	if me.Start == "" {
		t.Fatal("no start id from /proc")
	}
	if !me.Alive() {
		t.Errorf("this process (%s) is not alive", me)
	}
	reused := me
	reused.Start = "deadbeef1"
	if reused.Alive() {
		t.Errorf("the pid with another start (%s) is alive", reused)
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child := Owner{Host: me.Host, PID: cmd.Process.Pid, Start: startID(cmd.Process.Pid)}
	if !child.Alive() {
		t.Errorf("a running child (%s) is not alive", child)
	}
	back, ok := FromTag(child.Tag())
	if !ok || back != child {
		t.Errorf("FromTag(%q) = %v, %v; want %v", child.Tag(), back, ok, child)
	}
	cmd.Process.Kill()
	for i := 0; i < 100 && child.Alive(); i++ {
		time.Sleep(10 * time.Millisecond) // the signal is delivered asynchronously
	}
	if child.Alive() {
		t.Errorf("a killed child waiting to be reaped (%s) is alive", child)
	}
	cmd.Wait()
	if child.Alive() {
		t.Errorf("a killed child (%s) is alive", child)
	}
	other := Owner{Host: me.Host + "-elsewhere", PID: 1 << 30}
	if !other.Alive() {
		t.Errorf("an owner on another host is judged dead; only its heartbeat can tell")
	}
}
