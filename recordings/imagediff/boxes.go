package imagediff

import (
	"cmp"
	"image"
	"slices"
)

// components groups runs of differing pixels into 8-connected components
// and returns the bounding box of each. runs must be in scan order (by row,
// then by column), as the comparison produces them.
func components(runs []run) []image.Rectangle {
	if len(runs) == 0 {
		return nil
	}
	sets := newUnionFind(len(runs))
	prev, cur := 0, 0 // first run of the previous row, of the current row
	for cur < len(runs) {
		end := cur
		for end < len(runs) && runs[end].y == runs[cur].y {
			end++
		}
		if prev < cur && runs[prev].y == runs[cur].y-1 {
			// Both rows are sorted by x: walk them together. Two runs touch,
			// diagonals included, when each starts before the other ends
			// plus one pixel.
			i, j := prev, cur
			for i < cur && j < end {
				p, q := runs[i], runs[j]
				if p.x1 >= q.x0 && p.x0 <= q.x1 {
					sets.union(i, j)
				}
				if p.x1 < q.x1 {
					i++
				} else {
					j++
				}
			}
		}
		prev, cur = cur, end
	}

	index := make([]int, len(runs)) // root run -> box index + 1
	var boxes []image.Rectangle
	for k, r := range runs {
		root := sets.find(k)
		box := image.Rect(r.x0, r.y, r.x1, r.y+1)
		if index[root] == 0 {
			boxes = append(boxes, box)
			index[root] = len(boxes)
			continue
		}
		b := &boxes[index[root]-1]
		*b = b.Union(box)
	}
	return boxes
}

// mergeBoxes merges boxes separated by fewer than d pixels, both
// horizontally and vertically, until no two boxes are that close, and
// returns them ordered top to bottom, then left to right. A negative d
// merges nothing.
func mergeBoxes(boxes []image.Rectangle, d int) []image.Rectangle {
	for d >= 0 && len(boxes) > 1 {
		slices.SortFunc(boxes, func(p, q image.Rectangle) int { return cmp.Compare(p.Min.X, q.Min.X) })
		sets := newUnionFind(len(boxes))
		merged := false
		for i, p := range boxes {
			// Sorted by left edge: once a box starts d or more pixels right
			// of p's right edge, so do all the boxes after it.
			for j := i + 1; j < len(boxes) && boxes[j].Min.X-p.Max.X < d; j++ {
				if gap(p, boxes[j]) < d {
					sets.union(i, j)
					merged = true
				}
			}
		}
		if !merged {
			break
		}
		index := make([]int, len(boxes))
		var out []image.Rectangle
		for k, b := range boxes {
			root := sets.find(k)
			if index[root] == 0 {
				out = append(out, b)
				index[root] = len(out)
				continue
			}
			out[index[root]-1] = out[index[root]-1].Union(b)
		}
		boxes = out
	}
	slices.SortFunc(boxes, func(p, q image.Rectangle) int {
		return cmp.Or(cmp.Compare(p.Min.Y, q.Min.Y), cmp.Compare(p.Min.X, q.Min.X))
	})
	return boxes
}

// gap is the number of pixels between two boxes: the larger of the
// horizontal and the vertical gap, 0 when they touch or overlap.
func gap(p, q image.Rectangle) int {
	dx := max(0, q.Min.X-p.Max.X, p.Min.X-q.Max.X)
	dy := max(0, q.Min.Y-p.Max.Y, p.Min.Y-q.Max.Y)
	return max(dx, dy)
}

// maskedArea is the number of pixels covered by the masks, counting
// overlaps once.
func maskedArea(masks []image.Rectangle) int {
	if len(masks) == 0 {
		return 0
	}
	var ys []int
	for _, m := range masks {
		ys = append(ys, m.Min.Y, m.Max.Y)
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	area := 0
	var spans [][2]int
	for k := 0; k+1 < len(ys); k++ {
		y0, y1 := ys[k], ys[k+1]
		spans = spans[:0]
		for _, m := range masks {
			if m.Min.Y <= y0 && m.Max.Y >= y1 {
				spans = append(spans, [2]int{m.Min.X, m.Max.X})
			}
		}
		slices.SortFunc(spans, func(p, q [2]int) int { return cmp.Compare(p[0], q[0]) })
		width, end := 0, -1<<62
		for _, s := range spans {
			if s[0] > end {
				width += s[1] - s[0]
				end = s[1]
			} else if s[1] > end {
				width += s[1] - end
				end = s[1]
			}
		}
		area += width * (y1 - y0)
	}
	return area
}

// unionFind is a disjoint-set forest over 0..n-1.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]] // path halving
		i = u[i]
	}
	return i
}

func (u unionFind) union(i, j int) {
	if ri, rj := u.find(i), u.find(j); ri != rj {
		if ri < rj {
			u[rj] = ri
		} else {
			u[ri] = rj
		}
	}
}
