package video

import (
	"io"
	"log/slog"
	"os"
	"runtime"
	"testing"

	"journeyproof/journeys"
	"journeyproof/journeys/examples"
	"journeyproof/recordings"
)

func BenchmarkDiag(b *testing.B) {
	js, _ := examples.Load()
	cells, _ := journeys.Expand(js[1:2], nil, nil)
	for b.Loop() {
		for i := 0; i < 1; i++ {
			m := runMatrix(b, cells, nil)
			b.Logf("off wall %.1f cpu %.1f", m.wall.Seconds(), m.cpu.Seconds())
			m = runMatrix(b, cells, func(st *recordings.Store) *Source {
				return New(st, Options{Parallel: runtime.NumCPU(), Notice: io.Discard, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			})
			b.Logf("on  wall %.1f cpu %.1f (ffmpeg %.1f, encode wall %.1f, video %.1f)", m.wall.Seconds(), m.cpu.Seconds(), m.src.encoded.cpu.Seconds(), m.src.encoded.wall.Seconds(), m.src.encoded.duration.Seconds())
		}
	}
}
