package journeys

import "journeyproof/internal/yamlpos"

// syntaxPosition finds where a YAML syntax error really is (see package
// yamlpos); it returns nil when there is none to place.
func syntaxPosition(file string, data []byte) *PosError {
	line, col, msg, ok := yamlpos.Syntax(data)
	if !ok {
		return nil
	}
	return &PosError{file, line, col, msg}
}
