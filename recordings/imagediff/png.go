package imagediff

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/png"
)

// ComparePNG compares two PNG files given as bytes. When both hash to the
// same sha256 their pixels are not decoded: the result is Identical, with
// the sizes read from the PNG header and no diff image.
func ComparePNG(base, head []byte, opt Options) (Result, error) {
	if sha256.Sum256(base) == sha256.Sum256(head) {
		cfg, err := png.DecodeConfig(bytes.NewReader(base))
		if err != nil {
			return Result{}, fmt.Errorf("read base PNG header: %w", err)
		}
		size := image.Pt(cfg.Width, cfg.Height)
		total := cfg.Width*cfg.Height - maskedArea(opt.settings(image.Rectangle{Max: size}).masks)
		return Result{TotalPixels: total, BaseSize: size, HeadSize: size, Identical: true}, nil
	}
	a, err := png.Decode(bytes.NewReader(base))
	if err != nil {
		return Result{}, fmt.Errorf("decode base PNG: %w", err)
	}
	b, err := png.Decode(bytes.NewReader(head))
	if err != nil {
		return Result{}, fmt.Errorf("decode head PNG: %w", err)
	}
	return Compare(a, b, opt), nil
}

// EncodePNG encodes an image, typically Result.Diff, as PNG with the
// fastest compression: diff images are large, mostly flat and short-lived.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode diff PNG: %w", err)
	}
	return buf.Bytes(), nil
}
