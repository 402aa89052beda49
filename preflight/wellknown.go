package preflight

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The well-known files of app links: Android's Digital Asset Links and
// Apple's apple-app-site-association.
const (
	assetLinksPath = "/.well-known/assetlinks.json"
	aasaPath       = "/.well-known/apple-app-site-association"
	handleAllURLs  = "delegate_permission/common.handle_all_urls"
	maxWellKnown   = 1 << 20
)

var (
	packageName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$`)
	fingerprint = regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`)
	appID       = regexp.MustCompile(`^[A-Z0-9]{10}\.[A-Za-z0-9.-]+$`)
)

// checkAppLinks checks the App Link and Universal Link files of the
// origin.
func (c *Checker) checkAppLinks(ctx context.Context, origin *url.URL) []Check {
	var out []Check
	if body, checks := c.fetchWellKnown(ctx, origin, assetLinksPath, "preflight.applink", "Android App Link"); body != nil {
		out = append(out, checks...)
		out = append(out, checkAssetLinks(origin.Scheme+"://"+origin.Host+assetLinksPath, body)...)
	} else {
		out = append(out, checks...)
	}
	if body, checks := c.fetchWellKnown(ctx, origin, aasaPath, "preflight.universallink", "iOS Universal Link"); body != nil {
		out = append(out, checks...)
		out = append(out, checkAASA(origin.Scheme+"://"+origin.Host+aasaPath, body)...)
	} else {
		out = append(out, checks...)
	}
	return out
}

// fetchWellKnown gets a well-known file over https, without following a
// redirect, and checks its status and content type. It returns the body
// when the content can be checked.
func (c *Checker) fetchWellKnown(ctx context.Context, origin *url.URL, path, prefix, what string) ([]byte, []Check) {
	target := origin.Scheme + "://" + origin.Host + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, []Check{{prefix + ".fetch", StatusError, target, err.Error()}}
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, []Check{{prefix + ".fetch", StatusError, target, "could not fetch: " + oneLine(err.Error())}}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxWellKnown))
	if err != nil {
		return nil, []Check{{prefix + ".fetch", StatusError, target, "could not read: " + oneLine(err.Error())}}
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, []Check{{prefix + ".redirect", StatusError, target, fmt.Sprintf("answers %s to %s; the file must be served directly with status 200 (%s verification does not follow redirects)", resp.Status, resp.Header.Get("Location"), what)}}
	case resp.StatusCode == http.StatusNotFound:
		return nil, []Check{{prefix + ".fetch", StatusWarning, target, fmt.Sprintf("not found (404); the %s file is needed when iAM Smart returns to the service's own app", what)}}
	case resp.StatusCode != http.StatusOK:
		return nil, []Check{{prefix + ".fetch", StatusError, target, fmt.Sprintf("answers %s; the file must be served with status 200", resp.Status)}}
	}
	out := []Check{{prefix + ".fetch", StatusOK, target, "served over https with status 200, no redirect"}}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		if ct == "" {
			ct = "none"
		}
		out = append(out, Check{prefix + ".content-type", StatusError, target, fmt.Sprintf("content type %s; serve it as application/json", ct)})
	} else {
		out = append(out, Check{prefix + ".content-type", StatusOK, target, "application/json"})
	}
	return body, out
}

// assetStatement is one statement of assetlinks.json.
type assetStatement struct {
	Relation []string `json:"relation"`
	Target   struct {
		Namespace    string   `json:"namespace"`
		PackageName  string   `json:"package_name"`
		Fingerprints []string `json:"sha256_cert_fingerprints"`
	} `json:"target"`
}

func checkAssetLinks(target string, body []byte) []Check {
	var stmts []assetStatement
	if err := json.Unmarshal(body, &stmts); err != nil {
		return []Check{{"preflight.applink.json", StatusError, target, "not a JSON list of statements: " + oneLine(err.Error())}}
	}
	out := []Check{{"preflight.applink.json", StatusOK, target, plural(len(stmts), "statement")}}
	var apps []int
	for i, s := range stmts {
		for _, r := range s.Relation {
			if r == handleAllURLs && s.Target.Namespace == "android_app" {
				apps = append(apps, i)
			}
		}
	}
	if len(apps) == 0 {
		return append(out, Check{"preflight.applink.relation", StatusError, target, fmt.Sprintf("no statement gives an android_app the relation %s", handleAllURLs)})
	}
	out = append(out, Check{"preflight.applink.relation", StatusOK, target, plural(len(apps), "android_app statement") + " with " + handleAllURLs})
	var badPkg, badFP []string
	var pkgs []string
	for _, i := range apps {
		s := stmts[i]
		if !packageName.MatchString(s.Target.PackageName) {
			badPkg = append(badPkg, fmt.Sprintf("statement %d: package_name %q", i+1, s.Target.PackageName))
		} else {
			pkgs = append(pkgs, s.Target.PackageName)
		}
		if len(s.Target.Fingerprints) == 0 {
			badFP = append(badFP, fmt.Sprintf("statement %d: no sha256_cert_fingerprints", i+1))
		}
		for _, fp := range s.Target.Fingerprints {
			if !fingerprint.MatchString(fp) {
				badFP = append(badFP, fmt.Sprintf("statement %d: %q is not a SHA-256 fingerprint (32 upper-case hex pairs joined by colons)", i+1, fp))
			}
		}
	}
	pkgProblem := ""
	if len(badPkg) > 0 {
		pkgProblem = strings.Join(badPkg, "; ") + " is not an Android package name"
	}
	return append(out,
		okUnless("preflight.applink.package", target, pkgProblem, strings.Join(pkgs, ", ")),
		okUnless("preflight.applink.fingerprint", target, strings.Join(badFP, "; "), "every statement has SHA-256 certificate fingerprints"))
}

// aasaDetail is one entry of applinks.details, in the current (appIDs,
// components) or the legacy (appID, paths) form.
type aasaDetail struct {
	AppIDs     []string          `json:"appIDs"`
	AppID      string            `json:"appID"`
	Components []json.RawMessage `json:"components"`
	Paths      []string          `json:"paths"`
}

func checkAASA(target string, body []byte) []Check {
	var doc struct {
		AppLinks *struct {
			Details []aasaDetail `json:"details"`
		} `json:"applinks"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return []Check{{"preflight.universallink.json", StatusError, target, "not a JSON object: " + oneLine(err.Error())}}
	}
	out := []Check{{"preflight.universallink.json", StatusOK, target, "valid JSON"}}
	if doc.AppLinks == nil || len(doc.AppLinks.Details) == 0 {
		return append(out, Check{"preflight.universallink.applinks", StatusError, target, "no applinks.details: the file must list the apps and the paths they open"})
	}
	out = append(out, Check{"preflight.universallink.applinks", StatusOK, target, plural(len(doc.AppLinks.Details), "applinks detail")})
	var badID, badPaths, ids []string
	for i, d := range doc.AppLinks.Details {
		all := d.AppIDs
		if d.AppID != "" {
			all = append(all, d.AppID)
		}
		if len(all) == 0 {
			badID = append(badID, fmt.Sprintf("detail %d has no appIDs", i+1))
		}
		for _, id := range all {
			if !appID.MatchString(id) {
				badID = append(badID, fmt.Sprintf("detail %d: %q is not TEAMID.bundle.id", i+1, id))
			} else {
				ids = append(ids, id)
			}
		}
		if len(d.Components) == 0 && len(d.Paths) == 0 {
			badPaths = append(badPaths, fmt.Sprintf("detail %d has no components or paths", i+1))
		}
	}
	return append(out,
		okUnless("preflight.universallink.appid", target, strings.Join(badID, "; "), strings.Join(ids, ", ")),
		okUnless("preflight.universallink.paths", target, strings.Join(badPaths, "; "), "every detail has components or paths"))
}

// okUnless is the check id on target: an error saying problem when there
// is one, else ok saying found.
func okUnless(id, target, problem, found string) Check {
	if problem != "" {
		return Check{id, StatusError, target, problem}
	}
	return Check{id, StatusOK, target, found}
}
