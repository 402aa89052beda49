// Package recordings is the evidence store: gorm models over SQLite, and
// artifact files addressed by their SHA-256. The runner writes a run once;
// the web app, the pack export and the comparison read it.
package recordings

import (
	"time"

	"journeyproof"
)

// Journey is a journey file as it was when last run.
type Journey struct {
	ID          string    `gorm:"primaryKey" json:"id"`
	Name        string    `json:"name"`
	Service     string    `json:"service"`
	Process     string    `gorm:"index" json:"process"`
	Description string    `json:"description"`
	File        string    `json:"file"`
	Source      string    `json:"source"`
	Languages   []string  `gorm:"serializer:json" json:"languages"`
	Devices     []string  `gorm:"serializer:json" json:"devices"`
	StepNames   []string  `gorm:"serializer:json" json:"stepNames"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// Branches names the journey's branches (deny, timeout, close or a
	// designer's), in file order; the main path is not listed.
	Branches []string `gorm:"serializer:json" json:"branches,omitempty"`
}

// Run is one execution of a cell (journey x language x device) under a
// release label.
type Run struct {
	ID          uint    `gorm:"primaryKey" json:"id"`
	Release     string  `gorm:"index;not null" json:"release"`
	JourneyID   string  `gorm:"index;not null" json:"journey"`
	JourneyName string  `json:"journeyName"`
	Service     string  `json:"service"`
	Process     string  `gorm:"index" json:"process"`
	Lang        string  `gorm:"index" json:"lang"`
	Device      string  `gorm:"index" json:"device"`
	Width       int64   `json:"width"`
	Height      int64   `json:"height"`
	Scale       float64 `json:"scale"`
	// Branch names the path the user took where the journey forks
	// ("deny", "timeout", "close", or a designer's branch name); empty is
	// the journey's main path. Each branch of each cell is its own run.
	Branch string `gorm:"index" json:"branch,omitempty"`
	// Invocation names the jobs enqueued together that made the run (one
	// `run --queue`, one start from the web app; empty for a run made in
	// the process that started it): a retried job finds by it the run an
	// earlier attempt of its cell finished (Store.FinishedRun).
	Invocation     string       `gorm:"index" json:"-"`
	Status         string       `gorm:"index" json:"status"`
	Error          string       `json:"error,omitempty"`
	BaseURL        string       `json:"baseURL"`
	BrowserVersion string       `json:"browserVersion"`
	StartedAt      time.Time    `gorm:"index" json:"startedAt"`
	EndedAt        *time.Time   `json:"endedAt,omitempty"`
	StepCount      int          `json:"stepCount"`
	Errors         int          `json:"errors"`
	Warnings       int          `json:"warnings"`
	Waived         int          `json:"waived"`
	Steps          []Step       `gorm:"constraint:OnDelete:CASCADE" json:"steps,omitempty"`
	Findings       []FindingRow `gorm:"constraint:OnDelete:CASCADE" json:"findings,omitempty"`
	Video          *Video       `gorm:"constraint:OnDelete:CASCADE" json:"video,omitempty"`

	// OwnerHost, OwnerPID and OwnerStart name the process running the run
	// (see internal/owner), and HeartbeatAt is when it last said it was
	// alive; a running run whose owner is gone is marked interrupted
	// (Store.ReapRuns). Runs stored before owners were recorded have none.
	OwnerHost   string     `gorm:"column:owner_host" json:"ownerHost,omitempty"`
	OwnerPID    int        `gorm:"column:owner_pid" json:"ownerPid,omitempty"`
	OwnerStart  string     `gorm:"column:owner_start" json:"-"`
	HeartbeatAt *time.Time `gorm:"column:heartbeat_at" json:"heartbeatAt,omitempty"`
}

// Duration is the run's wall time (zero while running).
func (r *Run) Duration() time.Duration {
	if r.EndedAt == nil {
		return 0
	}
	return r.EndedAt.Sub(r.StartedAt)
}

// Cell names the run's cell as journey/lang/device.
func (r *Run) Cell() string { return r.JourneyID + "/" + r.Lang + "/" + r.Device }

// Key names the run's cell and branch: journey/lang/device, and /branch
// when the run is not on the main path. Runs are paired across releases,
// and counted in coverage, by it.
func (r *Run) Key() string {
	if r.Branch == "" {
		return r.Cell()
	}
	return r.Cell() + "/" + r.Branch
}

// Step is one action of a run, with its evidence.
type Step struct {
	ID             uint                 `gorm:"primaryKey" json:"id"`
	RunID          uint                 `gorm:"index;not null" json:"runId"`
	Index          int                  `json:"index"`
	StepID         string               `json:"stepId,omitempty"`
	Name           string               `json:"name"`
	Action         string               `json:"action"`
	Caption        string               `json:"caption,omitempty"`
	Trigger        bool                 `json:"trigger"`
	Status         string               `json:"status"`
	Error          string               `json:"error,omitempty"`
	URL            string               `json:"url"`
	Title          string               `json:"title"`
	StartedAt      time.Time            `json:"startedAt"`
	EndedAt        time.Time            `json:"endedAt"`
	ScreenshotSHA  string               `json:"screenshot,omitempty"`
	FullPageSHA    string               `json:"fullPage,omitempty"`
	Scale          float64              `json:"scale"`
	ScrollX        float64              `json:"scrollX"`
	ScrollY        float64              `json:"scrollY"`
	Console        []string             `gorm:"serializer:json" json:"console,omitempty"`
	FailedRequests []string             `gorm:"serializer:json" json:"failedRequests,omitempty"`
	Navigations    []string             `gorm:"serializer:json" json:"navigations,omitempty"`
	Masks          []journeyproof.Box   `gorm:"serializer:json" json:"masks,omitempty"`
	Entries        []journeyproof.Entry `gorm:"serializer:json" json:"entries,omitempty"`
	Outcome        string               `json:"outcome,omitempty"`
	Request        string               `json:"request,omitempty"`
	// PhoneSHA is the phone-side screen (what the user sees in the iAM
	// Smart app at this step, captured from the sandbox simulator on a
	// phone-sized view); empty when the step has none.
	PhoneSHA string `json:"phone,omitempty"`
	// PointX and PointY are where the step's click or tap landed, in CSS
	// pixels of the viewport (nil when the step does not click).
	PointX *float64 `json:"pointX,omitempty"`
	PointY *float64 `json:"pointY,omitempty"`
}

// FindingRow is the stored row of a journeyproof.Finding: the finding
// (its box in the x, y, w, h columns), the run and step it belongs to,
// and its crop by hash.
type FindingRow struct {
	ID                   uint `gorm:"primaryKey" json:"id"`
	RunID                uint `gorm:"index;not null" json:"runId"`
	StepID               uint `gorm:"index" json:"stepId"`
	StepIndex            int  `json:"step"`
	journeyproof.Finding `gorm:"embedded"`
	CropSHA              string `json:"crop,omitempty"`
}

// TableName keeps the table's name from before the row embedded the
// domain's finding.
func (FindingRow) TableName() string { return "findings" }

// Artifact is a stored file, addressed by the SHA-256 of its content.
type Artifact struct {
	SHA256      string    `gorm:"primaryKey" json:"sha256"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Chapter is one step's span in a run's video.
type Chapter struct {
	Title   string `json:"title"`
	StartMS int64  `json:"startMs"`
	EndMS   int64  `json:"endMs"`
	Step    int    `json:"step"`
	Failed  bool   `json:"failed,omitempty"`
}

// Video is a run's workflow video and its captions and poster.
type Video struct {
	RunID       uint      `gorm:"primaryKey" json:"runId"`
	SHA256      string    `json:"sha256"`
	CaptionsSHA string    `json:"captions"`
	PosterSHA   string    `json:"poster"`
	DurationMS  int64     `json:"durationMs"`
	Frames      int       `json:"frames"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	FPS         int       `json:"fps"`
	Size        int64     `json:"size"`
	Chapters    []Chapter `gorm:"serializer:json" json:"chapters"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Baseline marks a release as the approved reference for a journey ("*"
// for every journey).
type Baseline struct {
	JourneyID string    `gorm:"primaryKey" json:"journey"`
	Release   string    `gorm:"not null" json:"release"`
	SetAt     time.Time `json:"setAt"`
}
