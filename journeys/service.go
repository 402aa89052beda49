package journeys

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"journeyproof"
	"journeyproof/internal/yamlpos"
)

// ServiceFileName is the name of the service file that commands look for
// in the working directory when no --service flag is given.
const ServiceFileName = "journeyproof.yaml"

// Service is the online service a journeyproof.yaml describes: its name,
// its production origin and callback URLs, the encipherment certificates
// it enrols for ITE and production, and the journey file of every business
// process that triggers iAM Smart.
type Service struct {
	// Name is the online service's name.
	Name string `json:"name"`
	// Origin is the production origin, such as https://eservice.example.gov.hk.
	Origin string `json:"origin"`
	// Callbacks are the callback (redirect) URLs registered with iAM Smart.
	Callbacks []string `json:"callbacks,omitempty"`
	// ITECert and ProdCert are the paths of the PEM encipherment
	// certificates for ITE and production, relative to the file's folder
	// as written ("" when not given).
	ITECert  string `json:"iteCert,omitempty"`
	ProdCert string `json:"prodCert,omitempty"`
	// Journeys are the business processes that trigger iAM Smart, one
	// journey file each.
	Journeys []ServiceJourney `json:"journeys"`
	// File is the path the service was loaded from.
	File string `json:"file,omitempty"`
}

// ServiceJourney is one business process of a service: its journey file
// and the languages and devices it is expected in.
type ServiceJourney struct {
	// File is the journey file as written, relative to the service file.
	File string `json:"file"`
	// Languages and Devices are the expected cells; they default to all
	// three languages and both devices.
	Languages []string `json:"languages"`
	Devices   []string `json:"devices"`
	// Line and Col locate the entry in the service file.
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
}

// Path resolves a path written in the service file (a journey or a
// certificate) against the file's folder.
func (s *Service) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || s.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(s.File), p)
}

// FindServiceFile returns the service file to use: explicit when given,
// else journeyproof.yaml in dir when it exists, else "".
func FindServiceFile(explicit, dir string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	p := filepath.Join(dir, ServiceFileName)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("look for %s: %w", p, err)
	}
	return p, nil
}

// LoadService reads and validates a service file, and checks that the
// journey and certificate files it names exist.
func LoadService(path string) (*Service, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load service file %s: %w", path, err)
	}
	s, err := ParseService(path, data)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	_ = yaml.Unmarshal(data, &doc)
	for _, j := range s.Journeys {
		if _, err := os.Stat(s.Path(j.File)); err != nil {
			return nil, yamlpos.File{Name: path}.At(j.Line, j.Col, "journeys: journey file %s not found (paths are relative to the service file); write it with journeyproof import or copy one of journeys/examples", j.File)
		}
	}
	for _, c := range []struct{ key, file string }{{"ite", s.ITECert}, {"production", s.ProdCert}} {
		if c.file == "" {
			continue
		}
		if _, err := os.Stat(s.Path(c.file)); err != nil {
			line, col := findKey(&doc, "certificates", c.key)
			return nil, yamlpos.File{Name: path}.At(line, col, "certificates.%s: %s not found (paths are relative to the service file)", c.key, c.file)
		}
	}
	return s, nil
}

// findKey returns the position of the value of key in the mapping under
// section, or 1:1.
func findKey(doc *yaml.Node, section, key string) (int, int) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return 1, 1
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != section {
			continue
		}
		m := root.Content[i+1]
		for k := 0; k+1 < len(m.Content); k += 2 {
			if m.Content[k].Value == key {
				return m.Content[k+1].Line, m.Content[k+1].Column
			}
		}
	}
	return 1, 1
}

// ParseService reads a service file from YAML without looking at the
// files it names. file names the source in errors (file:line:col).
func ParseService(file string, data []byte) (*Service, error) {
	p := &parser{src: yamlpos.File{Name: file}}
	root, err := p.src.Decode(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, p.src.At(1, 1, "empty service file; expected a mapping with name, origin and journeys (journeyproof init writes a starter)")
	}
	s := &Service{File: file}
	var journeysNode *yaml.Node
	allowed := []string{"name", "origin", "callbacks", "certificates", "journeys"}
	err = p.fields(root, "service", allowed, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "name":
			s.Name, err = p.nonEmpty(v, "name")
		case "origin":
			if s.Origin, err = p.nonEmpty(v, "origin"); err == nil {
				err = p.origin(v, s.Origin)
				s.Origin = strings.TrimRight(s.Origin, "/")
			}
		case "callbacks":
			s.Callbacks, err = p.checkedStrList(v, "callbacks", func(c string, at *yaml.Node) error {
				if u, perr := url.Parse(c); perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return p.errf(at, "callbacks: expected an absolute URL such as https://eservice.example.gov.hk/callback, found %q", c)
				}
				return nil
			})
		case "certificates":
			err = p.fields(v, "certificates", []string{"ite", "production"}, func(key string, k, v *yaml.Node) error {
				f, err := p.nonEmpty(v, "certificates."+key)
				if key == "ite" {
					s.ITECert = f
				} else {
					s.ProdCert = f
				}
				return err
			})
		case "journeys":
			journeysNode = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.Name == "" {
		return nil, p.src.Missing(root, "service", "name", "the online service's name")
	}
	if s.Origin == "" {
		return nil, p.src.Missing(root, "service", "origin", "the production origin, such as https://eservice.example.gov.hk")
	}
	if journeysNode == nil {
		return nil, p.src.Missing(root, "service", "journeys", "the journey file of every business process that triggers iAM Smart")
	}
	if err := p.serviceJourneys(journeysNode, s); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *parser) origin(n *yaml.Node, o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return p.errf(n, "origin: expected a scheme and host only, such as https://eservice.example.gov.hk, found %q", o)
	}
	return nil
}

func (p *parser) serviceJourneys(n *yaml.Node, s *Service) error {
	if err := p.list(n, "journeys", "journey file"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, it := range n.Content {
		sj := ServiceJourney{Line: it.Line, Col: it.Column}
		if it.Kind == yaml.ScalarNode {
			f, err := p.nonEmpty(it, "journeys")
			if err != nil {
				return err
			}
			sj.File = f
		} else {
			err := p.fields(it, "journeys", []string{"file", "languages", "devices"}, func(key string, k, v *yaml.Node) error {
				var err error
				switch key {
				case "file":
					sj.File, err = p.nonEmpty(v, "journeys.file")
				case "languages":
					sj.Languages, err = p.checkedStrList(v, "journeys.languages", func(l string, at *yaml.Node) error {
						if !journeyproof.IsLanguage(l) {
							return p.errf(at, "journeys.languages: unknown language %q; expected one of %s", l, strings.Join(journeyproof.Languages(), ", "))
						}
						return nil
					})
				case "devices":
					sj.Devices, err = p.checkedStrList(v, "journeys.devices", func(d string, at *yaml.Node) error {
						if !idPattern.MatchString(d) {
							return p.errf(at, "journeys.devices: expected desktop, mobile or a lower-case device name, found %q", d)
						}
						return nil
					})
				}
				return err
			})
			if err != nil {
				return err
			}
			if sj.File == "" {
				return p.src.Missing(it, "journeys", "file", "{file: login.yaml, languages: [...], devices: [...]}")
			}
		}
		if seen[sj.File] {
			return p.errf(it, "journeys: %s is listed twice", sj.File)
		}
		seen[sj.File] = true
		if len(sj.Languages) == 0 {
			sj.Languages = journeyproof.Languages()
		}
		if len(sj.Devices) == 0 {
			sj.Devices = []string{"desktop", "mobile"}
		}
		s.Journeys = append(s.Journeys, sj)
	}
	return nil
}

// StarterService is the commented service file that `journeyproof init`
// writes.
const StarterService = `# journeyproof.yaml: the online service whose iAM Smart journeys journeyproof
# checks and records. Commands find it in the working directory, or take
# --service FILE. Paths are relative to this file.

# The online service's name, as on the wireframe covers.
name: My Online Service

# The production origin (scheme and host). Wireframes show it instead of the
# test host, and journeyproof preflight checks its TLS certificate and its
# App Link / Universal Link files.
origin: https://eservice.example.gov.hk

# The callback URL(s) registered with iAM Smart (redirectURI).
callbacks:
  - https://eservice.example.gov.hk/iamsmart/callback

# The encipherment certificates (PEM) enrolled for ITE and for production.
# They must not share a key. Optional.
# certificates:
#   ite: certs/ite-encipherment.pem
#   production: certs/prod-encipherment.pem

# Every business process that triggers iAM Smart: one journey file each
# (write them with journeyproof import, or start from journeys/examples).
# languages default to en, zh-HK and zh-CN; devices to desktop and mobile.
journeys:
  - file: journeys/login.yaml
  - file: journeys/form.yaml
    languages: [en, zh-HK, zh-CN]
    devices: [desktop, mobile]
  - file: journeys/sign.yaml
`
