package journeys_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"journeyproof/journeys"
	"journeyproof/journeys/examples"
)

// The bundled service file lists the three bundled journeys, with all
// languages and devices by default, and every file it names exists.
func TestBundledServiceFile(t *testing.T) {
	s, err := journeys.LoadService(filepath.Join("examples", journeys.ServiceFileName))
	if err != nil {
		t.Fatal(err)
	}
	emb, err := examples.Service()
	if err != nil {
		t.Fatal(err)
	}
	if emb.Name != s.Name || emb.Origin != "https://sandbox-service.example" || len(emb.Journeys) != 3 {
		t.Fatalf("embedded service %+v", emb)
	}
	for _, j := range s.Journeys {
		if strings.Join(j.Languages, ",") != "en,zh-HK,zh-CN" || strings.Join(j.Devices, ",") != "desktop,mobile" {
			t.Errorf("%s: languages %v devices %v", j.File, j.Languages, j.Devices)
		}
		if _, err := journeys.LoadFile(s.Path(j.File)); err != nil {
			t.Errorf("%s: %v", j.File, err)
		}
	}
	// The bundled journeys do not include the service file.
	js, err := examples.Load()
	if err != nil || len(js) != 3 {
		t.Fatalf("examples.Load: %d journeys, %v", len(js), err)
	}
}

// The starter that init writes is a valid service file.
func TestStarterServiceParses(t *testing.T) {
	s, err := journeys.ParseService("journeyproof.yaml", []byte(journeys.StarterService))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Journeys) != 3 || len(s.Callbacks) != 1 || s.ITECert != "" {
		t.Fatalf("starter: %+v", s)
	}
}

func TestServiceFileErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "", "svc.yaml:1:1: empty service file"},
		{"unknown key", "name: A\norigin: https://a.example\njourneys: [a.yaml]\nurl: x\n", "svc.yaml:4:1: service: unknown key \"url\""},
		{"no origin", "name: A\njourneys: [a.yaml]\n", "svc.yaml:1:1: service: missing key \"origin\""},
		{"origin with path", "name: A\norigin: https://a.example/app\njourneys: [a.yaml]\n", "svc.yaml:2:9: origin: expected a scheme and host only"},
		{"bad callback", "name: A\norigin: https://a.example\ncallbacks:\n  - /callback\njourneys: [a.yaml]\n", "svc.yaml:4:5: callbacks: expected an absolute URL"},
		{"bad language", "name: A\norigin: https://a.example\njourneys:\n  - file: a.yaml\n    languages: [en, fr]\n", "svc.yaml:5:21: journeys.languages: unknown language \"fr\""},
		{"twice", "name: A\norigin: https://a.example\njourneys: [a.yaml, a.yaml]\n", "svc.yaml:3:20: journeys: a.yaml is listed twice"},
		{"no journeys", "name: A\norigin: https://a.example\njourneys: []\n", "svc.yaml:3:11: journeys: expected at least one journey file"},
		{"bad cert key", "name: A\norigin: https://a.example\ncertificates: {uat: a.pem}\njourneys: [a.yaml]\n", "svc.yaml:3:16: certificates: unknown key \"uat\""},
		{"bad yaml", "name: A\norigin: [\n", "svc.yaml:2:9: invalid YAML: this [ is never closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := journeys.ParseService("svc.yaml", []byte(tc.src))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want prefix %q", err, tc.want)
			}
		})
	}
}

// LoadService names a journey or certificate file that is not there, at
// its line in the service file.
func TestLoadServiceMissingFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "journeyproof.yaml")
	os.WriteFile(filepath.Join(dir, "login.yaml"), []byte("x"), 0o644)
	os.WriteFile(p, []byte("name: A\norigin: https://a.example\njourneys:\n  - login.yaml\n  - file: sign.yaml\n"), 0o644)
	_, err := journeys.LoadService(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":5:5: journeys: journey file sign.yaml not found") {
		t.Fatalf("error %v", err)
	}
	os.WriteFile(p, []byte("name: A\norigin: https://a.example\ncertificates:\n  ite: ite.pem\njourneys: [login.yaml]\n"), 0o644)
	_, err = journeys.LoadService(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":4:8: certificates.ite: ite.pem not found") {
		t.Fatalf("error %v", err)
	}
	got, err := journeys.FindServiceFile("", dir)
	if err != nil || got != p {
		t.Fatalf("FindServiceFile: %q %v", got, err)
	}
	if got, _ := journeys.FindServiceFile("", t.TempDir()); got != "" {
		t.Fatalf("FindServiceFile in an empty folder: %q", got)
	}
}
