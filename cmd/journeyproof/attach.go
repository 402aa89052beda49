package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"journeyproof/recordings"
)

// cmdAttach attaches a person's phone recording (the iAM Smart app, during
// a run against a real integration environment) to a stored run.
func cmdAttach(ctx context.Context, env *cli, args []string) int {
	fs := newFlags(env, "attach", "RUN --phone-video FILE [--by NAME] [--note TEXT]", "Attaches a person's screen recording of the iAM Smart app to a run (the phone side that a real\nintegration environment cannot show in the browser). The file is stored by its SHA-256, shown on the\nrun's page beside the browser video and placed in the evidence pack next to it.\nExit 0 attached, 2 bad usage, an unknown run or a file that is not a video.")
	phone := fs.String("phone-video", "", "the phone recording: a video file (MP4, MOV or WebM)")
	by := byFlag(fs, "who attaches it")
	note := fs.String("note", "", "a note shown with the recording")
	data := fs.String("data", "", "data directory (default ./journeyproof-data; env JOURNEYPROOF_DATA)")
	pos, done, code := parseArgs(env, fs, args, func(pos []string) string {
		if len(pos) != 1 || *phone == "" {
			return "give one run and a file; usage: journeyproof attach RUN --phone-video FILE"
		}
		return ""
	})
	if done {
		return code
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(pos[0], "#"), 10, 64)
	if err != nil || id == 0 {
		return usageError(env, "attach", fmt.Sprintf("%q is not a run id; expected a number such as 12 (the web app's /runs lists them)", pos[0]))
	}
	probe, err := probeVideo(ctx, *phone)
	if err != nil {
		return errorExit(env, err, exitUsage)
	}
	store, err := recordings.Open(dataDir(*data))
	if err != nil {
		return errorExit(env, err, exitFailed)
	}
	defer store.Close()
	a := &recordings.Attachment{RunID: uint(id), Kind: recordings.AttachPhoneVideo, Name: filepath.Base(*phone),
		ContentType: probe.contentType, Size: probe.size, DurationMS: probe.durationMS, Width: probe.width, Height: probe.height,
		By: *by, Note: *note}
	if err := store.Attach(*phone, a); err != nil {
		if errors.Is(err, recordings.ErrNotFound) {
			return usageError(env, "attach", fmt.Sprintf("run %d is not in the store %s", id, absPath(store.Dir())))
		}
		return errorExit(env, err, exitFailed)
	}
	fmt.Fprintf(env.stdout, "attached %s to run %d as its phone recording (%s, %dx%d, %.1fs, sha256 %s)\n",
		a.Name, id, a.ContentType, a.Width, a.Height, float64(a.DurationMS)/1000, a.SHA256[:12])
	return exitOK
}

// videoFacts is what ffprobe says of a video file.
type videoFacts struct {
	contentType   string
	size          int64
	durationMS    int64
	width, height int
}

// probeVideo checks with ffprobe that path is a video it can read, and
// returns its type, size, duration and frame size.
func probeVideo(ctx context.Context, path string) (*videoFacts, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("phone video: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("phone video %s: not a file", path)
	}
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=codec_type,width,height:format=format_name,duration", "-of", "json", path).Output()
	var doc struct {
		Streams []struct {
			CodecType     string `json:"codec_type"`
			Width, Height int
		} `json:"streams"`
		Format struct {
			FormatName string `json:"format_name"`
			Duration   string `json:"duration"`
		} `json:"format"`
	}
	if err == nil {
		err = json.Unmarshal(out, &doc)
	}
	if err != nil || len(doc.Streams) == 0 || doc.Streams[0].CodecType != "video" {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("phone video %s: ffprobe is needed to read it (run scripts/setup): %w", path, err)
		}
		return nil, fmt.Errorf("phone video %s: not a video ffprobe can read; expected an MP4, MOV or WebM screen recording", path)
	}
	f := &videoFacts{size: fi.Size(), width: doc.Streams[0].Width, height: doc.Streams[0].Height, contentType: "video/mp4"}
	switch name := doc.Format.FormatName; {
	case strings.Contains(name, "webm") || strings.Contains(name, "matroska"):
		f.contentType = "video/webm"
		if strings.EqualFold(filepath.Ext(path), ".mkv") {
			f.contentType = "video/x-matroska"
		}
	case strings.Contains(name, "mov") && strings.EqualFold(filepath.Ext(path), ".mov"):
		f.contentType = "video/quicktime"
	case strings.Contains(name, "mp4") || strings.Contains(name, "mov"):
		f.contentType = "video/mp4"
	default:
		return nil, fmt.Errorf("phone video %s: a %s file; expected an MP4, MOV or WebM screen recording", path, name)
	}
	if d, err := strconv.ParseFloat(doc.Format.Duration, 64); err == nil {
		f.durationMS = int64(d * 1000)
	}
	return f, nil
}
