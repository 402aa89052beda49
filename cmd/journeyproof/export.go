package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"journeyproof/engine"
	"journeyproof/recordings/pack"
	"journeyproof/verifier"
)

func cmdExport(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "export", "--release NAME [flags] -o PACK.zip",
		"Exports a release as an evidence pack: a wireframe PDF per business process, each run's video and\n"+
			"captions, report.html/report.json/junit.xml, coverage.json and a manifest of SHA-256 hashes\n"+
			"(signed with --sign-key), and a submission rendition of each video (title card, each step held,\n"+
			"click markers, captions burned in) with one combined video per process. Each cell and branch\n"+
			"holds its newest finished run (else its newest, running or interrupted). The business processes,\n"+
			"languages and devices expected come from the service file (--service, ./journeyproof.yaml, or the\n"+
			"one beside the release's journey files); what is missing or failed is listed per process on stderr.\n"+
			"Exit 0 when the pack is written (with --strict: and every expected process, cell and branch has a\n"+
			"passing run and no unwaived error finding remains), 1 otherwise, 2 for bad usage.")
	release := fs.String("release", envOr("JOURNEYPROOF_RELEASE", ""), "release to export (env JOURNEYPROOF_RELEASE)")
	out := fs.String("o", "", "the pack's file name (a .zip)")
	journeysFlag := fs.String("journey", "", "journeys to include, comma-separated (default: all of the release)")
	langs := fs.String("lang", "", "languages to include, comma-separated (default: all)")
	devices := fs.String("device", "", "devices to include, comma-separated (default: all)")
	strict := fs.Bool("strict", false, "exit 1 when an expected process, cell or branch has no passing run, or an unwaived error finding remains")
	hold := fs.Duration("hold", pack.DefaultHold, "how long each step's settled screen stays in the submission videos")
	noRenditions := fs.Bool("no-renditions", false, "leave the submission videos out (the raw recordings stay)")
	signKey := fs.String("sign-key", envOr("JOURNEYPROOF_SIGN_KEY", ""), "Ed25519 private key (from journeyproof keygen) to sign the manifest with (env JOURNEYPROOF_SIGN_KEY)")
	rules := rulesFlag(fs, "rule pack the runs were checked with (for junit.xml; default the embedded iamsmart pack)")
	sf := addStoreFlags(fs)
	service := fs.String("service", "", "service file; when it gives an origin, the pack gets its preflight (preflight.json, Readiness in report.html) (default: ./journeyproof.yaml when it exists)")
	if _, done, code := parseArgs(env, fs, args, noArgs("; give the pack's file name with -o")); done {
		return code
	}
	switch {
	case *release == "":
		return usageError(env, "export", "no release given; usage: journeyproof export --release NAME -o PACK.zip")
	case *out == "":
		return usageError(env, "export", "no output file given; usage: journeyproof export --release NAME -o PACK.zip")
	case *hold < 0 || *hold > time.Minute:
		return usageError(env, "export", fmt.Sprintf("--hold %s: give a duration from 0s to 1m, such as 2s", *hold))
	}
	key, err := loadKey(*signKey, pack.LoadPrivateKey)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	rulePack, err := engine.LoadPack(*rules)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	dir := sf.dir()
	if _, err := os.Stat(filepath.Join(dir, "journeyproof.db")); err != nil {
		return errorExit(env, fmt.Errorf("no evidence store in %s; run journeys first (journeyproof run or demo), or give --data", dir), exitFailed)
	}
	store, err := sf.open()
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	defer store.Close()
	pre, err := exportPreflight(ctx, *service, store, *release, env.stderr)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	o := pack.Options{Store: store, Release: *release, Journeys: splitList(*journeysFlag), Langs: splitList(*langs), Devices: splitList(*devices),
		Rules: packRuleIDs(rulePack), SignKey: key, Version: version, FFmpegVersion: ffmpegVersion(), Preflight: pre, Hold: *hold, NoRenditions: *noRenditions}
	svc, err := exportService(*service, store, *release)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	if svc != nil {
		if o.Expected, err = expectedJourneys(svc); err != nil {
			return errorExit(env, err, exitUsage)
		}
		o.ServiceName, o.Origin = svc.Name, svc.Origin
	}
	sum, err := pack.Export(ctx, o, *out)
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	pages := 0
	var pdfs []string
	for _, w := range sum.Wireframes {
		pages += w.Pages
		pdfs = append(pdfs, fmt.Sprintf("%s (%d pages)", w.Path, w.Pages))
	}
	signed := "unsigned"
	if sum.Signed {
		signed = "signed"
	}
	fmt.Fprintf(env.stdout, "Pack %s: release %q, %d runs of %d cells, %d wireframe PDFs (%d pages), %d videos, %d files, %s, %s, in %.1fs\n",
		*out, sum.Release, sum.Runs, sum.Cells, len(sum.Wireframes), pages, sum.Videos, sum.Files, humanBytes(sum.Bytes), signed, sum.Duration.Seconds())
	for _, p := range pdfs {
		fmt.Fprintf(env.stdout, "  %s\n", p)
	}
	if n := len(sum.Submission); n > 0 {
		var secs float64
		for _, s := range sum.Submission {
			secs += float64(s.DurationMS) / 1000
		}
		fmt.Fprintf(env.stdout, "  %d submission videos (submission/: title card, each step held, click markers, captions burned in; one combined per process), %.0f s in all\n", n, secs)
	}
	fmt.Fprintf(env.stdout, "Manifest digest: %s (record it; verify-pack --digest checks the pack against it)\n", sum.ManifestDigest)
	warn := func(what string, cells []string) {
		if len(cells) > 0 {
			fmt.Fprintf(env.stderr, "warning: %d %s: %s\n", len(cells), what, strings.Join(cells, ", "))
		}
	}
	for _, l := range sum.Completeness.Lines() {
		fmt.Fprintf(env.stderr, "incomplete: %s\n", l)
	}
	warn("run(s) with no video", sum.NoVideo)
	if *strict && !sum.Completeness.Complete {
		fmt.Fprintf(env.stderr, "journeyproof: --strict: the pack is written but incomplete: %d cell(s) missing, %d failed, %d with unwaived error findings\n",
			len(sum.Missing), len(sum.Failed), len(sum.Errors))
		return exitFailed
	}
	return exitOK
}

// packRuleIDs lists the rules the pack runs (the ones it does not switch
// off), in report order: the rules a pack says its runs were checked with.
func packRuleIDs(p *verifier.Pack) []string {
	var ids []string
	for _, r := range p.Rules() {
		if r.ID != "" && r.Severity != verifier.SeverityOff {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// loadKey reads the key file a flag names with load, or returns no key
// when the flag is not given.
func loadKey[K any](path string, load func(string) (K, error)) (K, error) {
	if path == "" {
		var none K
		return none, nil
	}
	return load(path)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func cmdVerifyPack(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "verify-pack", "PACK.zip [--pub KEY]",
		"Recomputes the SHA-256 of every file of a pack and compares it with the manifest; reports every file\n"+
			"added, removed or changed, bytes the zip's directory does not list, unsafe names, and manifest fields that\n"+
			"disagree with report.json and coverage.json. With --pub, also checks the manifest's Ed25519 signature;\n"+
			"with --digest, the manifest's SHA-256 printed by export (pins an unsigned pack).\n"+
			"Exit 0 only when the pack is intact (and the signature valid), 1 when not, 2 for bad usage.")
	pubFlag := fs.String("pub", envOr("JOURNEYPROOF_PUB_KEY", ""), "Ed25519 public key (from journeyproof keygen) to check the signature with")
	digestFlag := fs.String("digest", "", "the manifest digest export printed (sha256:HEX); the pack must have exactly this manifest")
	pos, done, code := parseArgs(env, fs, args, exactArgs(1, "give one pack; usage: journeyproof verify-pack PACK.zip [--pub KEY]"))
	if done {
		return code
	}
	if *digestFlag != "" && !strings.HasPrefix(*digestFlag, "sha256:") {
		*digestFlag = "sha256:" + *digestFlag
	}
	pub, err := loadKey(*pubFlag, pack.LoadPublicKey)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	res, err := pack.Verify(pos[0], pub)
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	m := res.Manifest
	digestBad := *digestFlag != "" && !strings.EqualFold(*digestFlag, res.ManifestDigest)
	if !res.Intact() || digestBad {
		for _, p := range res.Problems() {
			fmt.Fprintln(env.stdout, p)
		}
		if digestBad {
			fmt.Fprintf(env.stdout, "digest: the manifest is %s, not %s\n", res.ManifestDigest, *digestFlag)
		}
		var parts []string
		for _, p := range []struct {
			n    int
			what string
		}{{len(res.Structure), "zip structure problem(s)"}, {len(res.Changed), "file(s) changed"}, {len(res.Removed), "file(s) removed"},
			{len(res.Added), "file(s) added"}, {len(res.Inconsistent), "manifest field(s) inconsistent"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
			}
		}
		if res.SignatureChecked && !res.SignatureValid {
			parts = append(parts, "signature "+res.SignatureError)
		}
		if digestBad {
			parts = append(parts, "manifest digest differs")
		}
		fmt.Fprintf(env.stderr, "journeyproof: pack %s is NOT intact: %s\n", pos[0], strings.Join(parts, "; "))
		return exitFailed
	}
	sig := "not signed: anyone could rewrite it consistently; check it with --digest against the digest recorded at export"
	switch {
	case res.SignatureChecked:
		sig = "signed, signature valid (" + pack.KeyFingerprint(pub) + ")"
	case res.HasSignature:
		sig = "signature not checked (the pack has " + pack.SignatureName + "; give --pub KEY to check it)"
	}
	if *digestFlag != "" {
		sig += "; manifest digest matches"
	}
	fmt.Fprintf(env.stdout, "OK: pack %s is intact: release %q, %d files match the manifest, %d runs, made %s by journeyproof %s, manifest %s; %s\n",
		pos[0], m.Release, res.Checked, len(m.Runs), m.CreatedAt.Format("2006-01-02 15:04 MST"), m.Versions.Journeyproof, res.ManifestDigest, sig)
	return exitOK
}

func cmdKeygen(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "keygen", "-o DIR",
		"Writes a new Ed25519 key pair for signing packs: DIR/"+pack.PrivateKeyFile+" (PEM, mode 0600; keep it secret)\n"+
			"and DIR/"+pack.PublicKeyFile+" (PEM; give it to whoever checks packs). Existing keys are never overwritten.")
	dir := fs.String("o", "", "folder to write the key pair into")
	pos, done, code := parseFlags(env, fs, args)
	if done {
		return code
	}
	if *dir == "" && len(pos) == 1 {
		*dir = pos[0]
	} else if len(pos) > 0 {
		return usageError(env, "keygen", fmt.Sprintf("unexpected argument %q; usage: journeyproof keygen -o DIR", pos[0]))
	}
	if *dir == "" {
		return usageError(env, "keygen", "no folder given; usage: journeyproof keygen -o DIR")
	}
	priv, pubPath, err := pack.GenerateKey(*dir)
	if err != nil {
		errorLine(env, err)
		if errors.Is(err, os.ErrExist) || strings.Contains(err.Error(), "already exists") {
			return exitUsage
		}
		return exitFailed
	}
	pub, err := pack.LoadPublicKey(pubPath)
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	fmt.Fprintf(env.stdout, "Private key: %s (keep it secret; use it with export --sign-key)\nPublic key:  %s (use it with verify-pack --pub)\nFingerprint: %s\n", priv, pubPath, pack.KeyFingerprint(pub))
	return exitOK
}
