package compare

import (
	"cmp"
	"slices"
	"strconv"

	"journeyproof"
	"journeyproof/recordings"
)

// RunPair is the base and head run of one cell and branch; one of them is
// nil when it was run on one side only.
type RunPair struct {
	// Cell is journey/lang/device, and /branch off the main path
	// (recordings.Run.Key).
	Cell       string
	Base, Head *recordings.Run
}

// PairRuns pairs runs by cell (journey x language x device) and branch.
// Each side holds the run of each of its cells, as
// recordings.Store.CellRuns picks it (should a side hold several runs of a
// cell, its first one counts). Pairs come in journey, language, device,
// branch order (the main path first).
func PairRuns(base, head []recordings.Run) []RunPair {
	b, h := byCell(base), byCell(head)
	cells := map[string]*RunPair{}
	for c, r := range b {
		cells[c] = &RunPair{Cell: c, Base: r}
	}
	for c, r := range h {
		if p, ok := cells[c]; ok {
			p.Head = r
		} else {
			cells[c] = &RunPair{Cell: c, Head: r}
		}
	}
	out := make([]RunPair, 0, len(cells))
	for _, p := range cells {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(p, q RunPair) int {
		a, b := p.any(), q.any()
		return cmp.Or(cmp.Compare(a.JourneyID, b.JourneyID), cmp.Compare(journeyproof.LanguageOrder(a.Lang), journeyproof.LanguageOrder(b.Lang)),
			cmp.Compare(a.Lang, b.Lang), cmp.Compare(a.Device, b.Device), cmp.Compare(a.Branch, b.Branch))
	})
	return out
}

func (p RunPair) any() *recordings.Run {
	if p.Head != nil {
		return p.Head
	}
	return p.Base
}

// byCell indexes runs by cell and branch (Run.Key), the first of a key
// kept.
func byCell(runs []recordings.Run) map[string]*recordings.Run {
	out := map[string]*recordings.Run{}
	for i := range runs {
		if _, ok := out[runs[i].Key()]; !ok {
			out[runs[i].Key()] = &runs[i]
		}
	}
	return out
}

// StepPair is a base and head step paired by PairSteps; one of them is nil
// for a step on one side only.
type StepPair struct {
	Key        string
	Base, Head *recordings.Step
	// Reordered tells that the pair is out of order relative to the other
	// pairs (it is not on a longest common ordering of both runs).
	Reordered bool
}

// PairSteps pairs the steps of two runs: by journey step id when both steps
// have one, then by position and name, then by name in order of
// appearance. It returns the pairs in the head run's order, a removed step
// placed after the step that preceded it in the base run.
func PairSteps(base, head []recordings.Step) []StepPair {
	bi := make([]int, len(base)) // base step -> head step + 1
	hi := make([]int, len(head)) // head step -> base step + 1
	link := func(keyOf func(s *recordings.Step) string) {
		idx := map[string][]int{}
		for j := range base {
			if bi[j] == 0 {
				if k := keyOf(&base[j]); k != "" {
					idx[k] = append(idx[k], j)
				}
			}
		}
		for i := range head {
			if hi[i] != 0 {
				continue
			}
			k := keyOf(&head[i])
			if k == "" || len(idx[k]) == 0 {
				continue
			}
			j := idx[k][0]
			idx[k] = idx[k][1:]
			hi[i], bi[j] = j+1, i+1
		}
	}
	link(func(s *recordings.Step) string {
		if s.StepID == "" {
			return ""
		}
		return s.StepID
	})
	link(func(s *recordings.Step) string {
		if s.StepID != "" {
			return ""
		}
		return strconv.Itoa(s.Index) + "\x00" + s.Name
	})
	link(func(s *recordings.Step) string {
		if s.StepID != "" {
			return ""
		}
		return s.Name
	})

	// Paired steps on a longest increasing run of base positions keep
	// their order; the others moved.
	var seq []int // base index of each paired head step, in head order
	for i := range head {
		if hi[i] != 0 {
			seq = append(seq, hi[i]-1)
		}
	}
	kept := longestIncreasing(seq)

	type placed struct {
		pos  float64
		pair StepPair
	}
	var out []placed
	for i := range head {
		p := StepPair{Head: &head[i], Key: stepKey(&head[i])}
		if j := hi[i] - 1; j >= 0 {
			p.Base = &base[j]
			p.Reordered = !kept[j]
		}
		out = append(out, placed{float64(i), p})
	}
	for j := range base {
		if bi[j] != 0 {
			continue
		}
		// After the head position of the nearest earlier base step that
		// has a pair and kept its order, before any step added there.
		pos := -1.0
		for k := j - 1; k >= 0; k-- {
			if bi[k] != 0 && kept[k] {
				pos = float64(bi[k] - 1)
				break
			}
		}
		out = append(out, placed{pos + 0.1 + float64(j)/float64(10*len(base)+10), StepPair{Base: &base[j], Key: stepKey(&base[j])}})
	}
	slices.SortStableFunc(out, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })
	pairs := make([]StepPair, len(out))
	for i, p := range out {
		pairs[i] = p.pair
	}
	return pairs
}

// stepKey names how a step is paired.
func stepKey(s *recordings.Step) string {
	if s.StepID != "" {
		return "id:" + s.StepID
	}
	return "step " + strconv.Itoa(s.Index+1) + ": " + s.Name
}

// longestIncreasing returns the members of a longest strictly increasing
// subsequence of seq, as a set of values.
func longestIncreasing(seq []int) map[int]bool {
	// Patience sorting with predecessor links, O(n log n).
	tails := []int{} // index into seq of the smallest tail of each length
	prev := make([]int, len(seq))
	for i, v := range seq {
		k, _ := slices.BinarySearchFunc(tails, v, func(t, v int) int { return cmp.Compare(seq[t], v) })
		if k > 0 {
			prev[i] = tails[k-1]
		} else {
			prev[i] = -1
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	kept := map[int]bool{}
	if len(tails) == 0 {
		return kept
	}
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		kept[seq[i]] = true
	}
	return kept
}
