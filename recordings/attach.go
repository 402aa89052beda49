package recordings

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Kinds of attachment.
const (
	// AttachPhoneVideo is a person's screen recording of the iAM Smart app
	// during a run against a real integration environment (the phone side
	// the sandbox's simulator cannot show there).
	AttachPhoneVideo = "phone-video"
)

// Attachment is a file a person attached to a run after it ran, stored
// content-addressed like every artifact. The newest of a kind counts.
type Attachment struct {
	ID    uint   `gorm:"primaryKey" json:"id"`
	RunID uint   `gorm:"index;not null" json:"runId"`
	Kind  string `gorm:"index;not null" json:"kind"`
	// SHA256 names the stored file; Name is the file's name as given.
	SHA256      string `gorm:"not null" json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// DurationMS, Width and Height describe a video (read with ffprobe).
	DurationMS int64     `json:"durationMs,omitempty"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	By         string    `json:"by,omitempty"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Attach stores the file at path as an artifact and records it as an
// attachment of a.RunID (a's Kind, Name and the video facts given). The
// run must exist.
func (s *Store) Attach(path string, a *Attachment) error {
	var n int64
	if err := s.DB.Model(&Run{}).Where("id = ?", a.RunID).Count(&n).Error; err != nil {
		return fmt.Errorf("attach to run %d: %w", a.RunID, err)
	}
	if n == 0 {
		return fmt.Errorf("attach to run %d: %w", a.RunID, ErrNotFound)
	}
	sha, err := s.PutArtifactFile(path, a.ContentType)
	if err != nil {
		return fmt.Errorf("attach to run %d: %w", a.RunID, err)
	}
	a.SHA256 = sha
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	if err := s.DB.Create(a).Error; err != nil {
		return fmt.Errorf("attach to run %d: %w", a.RunID, err)
	}
	return nil
}

// Attachments lists a run's attachments of a kind ("" for every kind),
// newest first.
func (s *Store) Attachments(runID uint, kind string) ([]Attachment, error) {
	q := s.DB.Where("run_id = ?", runID)
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var out []Attachment
	if err := q.Order("created_at DESC, id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("read the attachments of run %d: %w", runID, err)
	}
	return out, nil
}

// PhoneVideo returns the newest phone recording attached to the run, or
// nil when it has none.
func (s *Store) PhoneVideo(runID uint) (*Attachment, error) {
	var a Attachment
	err := s.DB.Where("run_id = ? AND kind = ?", runID, AttachPhoneVideo).Order("created_at DESC, id DESC").First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the phone video of run %d: %w", runID, err)
	}
	return &a, nil
}
