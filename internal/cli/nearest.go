package cli

import "strings"

// Nearest is the one of names that typed most likely meant: the same
// name with dashes for underscores or in another case, else the nearest
// by edit distance when it is close (at most a third of the name
// differs); "" when none is.
func Nearest(typed string, names []string) string {
	norm := strings.ToLower(strings.ReplaceAll(typed, "_", "-"))
	best, bestDist := "", len(norm)/3+1
	if bestDist < 2 {
		bestDist = 2
	}
	for _, name := range names {
		if name == norm {
			return name
		}
		if d := distance(norm, name); d < bestDist || (d == bestDist && best == "") {
			best, bestDist = name, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
